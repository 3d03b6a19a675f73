from django.urls import path

from submissions import views

urlpatterns = [
    path("c/<slug:course_slug>/e/<slug:exercise_slug>/", views.exercise_detail, name="exercise"),
    path("c/<slug:course_slug>/e/<slug:exercise_slug>/hint/", views.open_hint, name="exercise_hint"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path("submissions/<int:submission_id>/status.json", views.submission_status, name="submission_status"),
]
