from django.urls import path

from coursestats import views

urlpatterns = [
    path("c/<slug:course_slug>/staff/stats/", views.stats_index, name="course_stats"),
    path("c/<slug:course_slug>/staff/stats/e/<slug:exercise_slug>/", views.stats_item, name="course_stats_item"),
]
