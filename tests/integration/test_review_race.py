"""An override made while the real worker grades survives the result that arrives after it."""

import time

import pytest
from django.urls import reverse

from review import scores
from review.models import ScoreChange
from submissions import services
from submissions.models import Submission
from tests.conftest import SOLUTION, enrollment_of, exercise, wait_until_final

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Right answers, slowly: the import waits, so the override lands while the submission runs.
SLOW_SOLUTION = "import time\ntime.sleep(3)\n" + SOLUTION


def test_an_override_made_while_running_stays_after_the_worker_records_its_result(
    grading_stack, client, alice, carla, course
):
    item = exercise("softmax-temperature")
    submission = services.submit_code(enrollment_of(alice, course), item, SLOW_SOLUTION)
    deadline = time.monotonic() + 60
    while Submission.objects.get(pk=submission.pk).status != "running":
        assert time.monotonic() < deadline, "the worker never started the submission"
        time.sleep(0.05)
    client.force_login(carla)
    url = reverse("review_override", args=[course.slug, "submission", submission.pk])
    response = client.post(url, {"new_score": "4", "reason": "copied from a classmate"})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).status == "running"  # the result had not arrived yet

    graded = wait_until_final(submission.pk)
    assert (graded.status, graded.score) == ("graded", 10.0)  # the grader's verdict, kept on record
    assert scores.effective_score(graded) == 4.0
    rows = services.lesson_rows(course, alice, [item])
    assert rows[0].score == 4.0
    change = ScoreChange.objects.get()
    assert (change.kind, change.old_score, change.new_score, change.by, change.reason) == (
        "override",
        None,
        4.0,
        carla,
        "copied from a classmate",
    )
    client.force_login(alice)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "copied from a classmate" in page
