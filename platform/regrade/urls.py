from django.urls import path

from regrade import views

urlpatterns = [
    path("c/<slug:course_slug>/staff/regrade/", views.regrade_index, name="regrade_index"),
    path("c/<slug:course_slug>/staff/regrade/new/<slug:exercise_slug>/", views.regrade_new, name="regrade_new"),
    path("c/<slug:course_slug>/staff/regrade/<int:regrade_id>/", views.regrade_detail, name="regrade_detail"),
    path(
        "c/<slug:course_slug>/staff/regrade/<int:regrade_id>/progress.json",
        views.regrade_progress,
        name="regrade_progress",
    ),
    path("c/<slug:course_slug>/staff/regrade/<int:regrade_id>/apply/", views.regrade_apply, name="regrade_apply"),
    path("c/<slug:course_slug>/staff/regrade/<int:regrade_id>/cancel/", views.regrade_cancel, name="regrade_cancel"),
]
