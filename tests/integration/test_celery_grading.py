"""The whole path through real services: Redis, a grading worker, the results consumer.

The grading worker runs with no database settings and no SECRET_KEY; only the
results consumer writes to the (test) database.
"""

import pytest

from submissions import services
from tests.conftest import NAIVE_SOFTMAX, SOLUTION, enrollment_of, exercise, wait_until_final

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def submit(user, course, source):
    return services.submit_code(enrollment_of(user, course), exercise("softmax-temperature"), source)


def test_worker_grades_a_correct_and_a_wrong_submission(grading_stack, alice, bob, course):
    right = submit(alice, course, SOLUTION)
    wrong = submit(bob, course, NAIVE_SOFTMAX)
    right = wait_until_final(right.pk)
    wrong = wait_until_final(wrong.pk)

    assert (right.status, right.score, right.max_score) == ("graded", 10.0, 10.0)
    assert right.started_at and right.finished_at and right.started_at <= right.finished_at
    assert (wrong.status, wrong.score) == ("graded", 7.0)
    failed = sorted(check["name"] for check in wrong.report["checks"] if not check["passed"])
    assert failed == ["rejects_bad_temperature", "stable"]


def test_grading_worker_holds_no_database_settings_or_secret(grading_stack):
    environ = grading_stack["grader"].environ()
    assert "DATABASE_URL" not in environ
    assert "SECRET_KEY" not in environ
    assert "DJANGO_SETTINGS_MODULE" not in environ
    assert environ["REDIS_URL"] == grading_stack["redis"].url


def test_a_crashing_submission_is_reported_and_the_worker_goes_on(grading_stack, alice, course):
    crash = submit(alice, course, "import ctypes\nctypes.string_at(0)\n")
    after = submit(alice, course, SOLUTION)
    crash = wait_until_final(crash.pk)
    after = wait_until_final(after.pk)
    assert (crash.status, crash.score, crash.charged) == ("error", 0.0, True)
    assert (after.status, after.score) == ("graded", 10.0)


def test_status_json_moves_to_graded(grading_stack, client, alice, course):
    from django.urls import reverse

    submission = submit(alice, course, SOLUTION)
    client.force_login(alice)
    wait_until_final(submission.pk)
    data = client.get(reverse("submission_status", args=[submission.pk])).json()
    assert data["status"] == "graded" and data["final"] is True
    assert data["score"] == 10.0
    assert [c["passed"] for c in data["checks"]] == [True] * 5
    assert data["checks"][0]["title"] == "Probabilidades corretas (T = 1)"
