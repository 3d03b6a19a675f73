"""A queued submission says its place in the queue and an estimate from recent grading times."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions import services
from submissions.models import Submission
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db


def _graded(course, user, seconds):
    item = exercise("softmax-temperature")
    start = timezone.now() - timedelta(minutes=5)
    return Submission.objects.create(
        course=course,
        student=user,
        exercise=item,
        version=item.current_version,
        source=SOLUTION,
        max_score=10,
        status=Submission.Status.GRADED,
        started_at=start,
        finished_at=start + timedelta(seconds=seconds),
    )


def test_the_place_counts_what_is_ahead_and_practice_waits_behind_on_time_work(alice, bob, carla, course):
    first = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
    second = services.submit_code(enrollment_of(bob, course), exercise("softmax-temperature"), SOLUTION)
    practice = services.submit_code(enrollment_of(carla, course), exercise("softmax-temperature"), SOLUTION)
    assert practice.queue == "cpu-low"
    assert services.queue_estimate(first) == (1, None)  # no grading times yet: no estimate
    assert services.queue_estimate(second)[0] == 2
    assert services.queue_estimate(practice)[0] == 3  # both on-time submissions go first
    for seconds in (2, 4, 30):
        _graded(course, alice, seconds)
    assert services.queue_estimate(second) == (2, 8.0)  # 2 × the median of 2, 4 and 30 s
    services.record_result(first.pk, {"status": "graded", "score": 10, "checks": []}, first.token)
    first.refresh_from_db()
    assert services.queue_estimate(first) is None and services.queue_estimate(second)[0] == 1


def test_the_status_page_and_json_say_it_in_the_students_language(client, alice, course):
    submission = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
    _graded(course, alice, 3)
    client.force_login(alice)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "Posição na fila: 1 · cerca de 3 s, pelos tempos recentes de correção" in page
    data = client.get(reverse("submission_status", args=[submission.pk])).json()
    assert data["queue_text"].startswith("Posição na fila: 1")
