from django.urls import path

from review import views

urlpatterns = [
    path("c/<slug:course_slug>/staff/review/", views.review_queue, name="review_queue"),
    path("c/<slug:course_slug>/staff/review/<slug:kind>/<int:pk>/", views.review_item, name="review_item"),
    path(
        "c/<slug:course_slug>/staff/review/<slug:kind>/<int:pk>/override/",
        views.override_score,
        name="review_override",
    ),
    path("c/<slug:course_slug>/staff/review/<slug:kind>/<int:pk>/confirm/", views.confirm_score, name="review_confirm"),
    path("c/<slug:course_slug>/staff/review/<slug:kind>/<int:pk>/revert/", views.revert_score, name="review_revert"),
    # A student's own request, from their submission or question page.
    path("c/<slug:course_slug>/e/<slug:exercise_slug>/regrade/", views.ask_regrade, name="ask_regrade"),
]
