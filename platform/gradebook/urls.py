from django.urls import path

from gradebook import views

urlpatterns = [
    path("c/<slug:course_slug>/staff/gradebook/", views.gradebook, name="gradebook"),
    path("c/<slug:course_slug>/staff/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
]
