from django.urls import path

from courses import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/", accounts.course_list, name="courses"),
    path("courses/join/", accounts.join, name="join_course"),
    path("c/<slug:course_slug>/leave/", accounts.leave, name="leave_course"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("c/<slug:course_slug>/", views.course_detail, name="course"),
    path("c/<slug:course_slug>/l/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path("c/<slug:course_slug>/l/<slug:lesson_slug>/due/", views.lesson_due, name="lesson_due"),
]
