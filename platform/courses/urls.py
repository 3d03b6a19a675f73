from django.urls import path

from courses import accounts, staff, views

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/", accounts.course_list, name="courses"),
    path("courses/join/", accounts.join, name="join_course"),
    path("c/<slug:course_slug>/leave/", accounts.leave, name="leave_course"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("c/<slug:course_slug>/", views.course_detail, name="course"),
    path("c/<slug:course_slug>/l/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path("c/<slug:course_slug>/l/<slug:lesson_slug>/due/", views.lesson_due, name="lesson_due"),
    # Running a course (courses/staff.py says who may do what).
    path("courses/new/", staff.new_course, name="new_course"),
    path("c/<slug:course_slug>/staff/settings/", staff.course_settings, name="course_settings"),
    path("c/<slug:course_slug>/staff/enrol/", staff.enrol_csv, name="enrol_csv"),
    path(
        "c/<slug:course_slug>/staff/l/<slug:lesson_slug>/extensions/",
        staff.lesson_extensions,
        name="lesson_extensions",
    ),
]
