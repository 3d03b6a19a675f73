from django.urls import path

from operations import views

urlpatterns = [
    path("c/<slug:course_slug>/staff/operations/", views.operations, name="operations"),
    path(
        "c/<slug:course_slug>/staff/operations/resend/<int:submission_id>/",
        views.resend,
        name="operations_resend",
    ),
]
