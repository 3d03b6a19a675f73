from django.urls import path

from similarity import views

urlpatterns = [
    path("c/<slug:course_slug>/staff/similarity/", views.similarity_index, name="similarity"),
    path(
        "c/<slug:course_slug>/staff/similarity/<slug:exercise_slug>/recompute/",
        views.similarity_recompute,
        name="similarity_recompute",
    ),
    path("c/<slug:course_slug>/staff/similarity/status.json", views.similarity_status, name="similarity_status"),
    path("c/<slug:course_slug>/staff/similarity/pairs/<int:pair_id>/", views.similarity_pair, name="similarity_pair"),
]
