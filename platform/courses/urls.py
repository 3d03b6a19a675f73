from django.urls import path

from courses import views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:course_slug>/", views.course_detail, name="course"),
    path("c/<slug:course_slug>/l/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path("c/<slug:course_slug>/l/<slug:lesson_slug>/due/", views.lesson_due, name="lesson_due"),
]
