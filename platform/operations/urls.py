from django.urls import path

from operations import health, metrics, views

urlpatterns = [
    # For the load balancer and for Prometheus: no login (the metrics ask for a token).
    path("health/", health.HealthView.as_view(), name="health"),
    path("metrics", metrics.metrics, name="metrics"),
    path("c/<slug:course_slug>/staff/operations/", views.operations, name="operations"),
    path(
        "c/<slug:course_slug>/staff/operations/resend/<int:submission_id>/",
        views.resend,
        name="operations_resend",
    ),
]
