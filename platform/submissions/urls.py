from django.urls import path

from submissions import compare, views

urlpatterns = [
    path("c/<slug:course_slug>/e/<slug:exercise_slug>/", views.exercise_detail, name="exercise"),
    path("c/<slug:course_slug>/e/<slug:exercise_slug>/hint/", views.open_hint, name="exercise_hint"),
    # The editor's drafts (autosave, and "Discard draft").
    path("c/<slug:course_slug>/e/<slug:exercise_slug>/draft/", views.save_draft, name="exercise_draft"),
    path(
        "c/<slug:course_slug>/e/<slug:exercise_slug>/draft/discard/",
        views.discard_draft,
        name="exercise_draft_discard",
    ),
    path("c/<slug:course_slug>/e/<slug:exercise_slug>/compare/", compare.compare_attempts, name="compare_attempts"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path("submissions/<int:submission_id>/status.json", views.submission_status, name="submission_status"),
]
