"""The operations page against the real services: a Redis, a grading worker and the results consumer."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from operations import broker
from operations.models import Resend
from submissions import services
from submissions.models import Submission
from tests.conftest import (
    SOLUTION,
    enrollment_of,
    exercise,
    pause_grader,
    resume_grader,
    wait_until_final,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _queue_length(html: str, queue: str) -> str:
    return html.split(f'data-queue-length="{queue}">')[1].split("<")[0]


def _wait_until_waiting_in(url: str, queue: str, timeout: float = 15) -> None:
    """Until the message lies in the queue's list: a worker's read that was in flight when its
    consumer was cancelled may take it first and put it back a moment later."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lengths, unacked = broker.queue_lengths(url)
        if lengths[queue] == 1 and unacked == 0:
            return
        time.sleep(0.1)
    raise TimeoutError(f"no message waits in {queue}")


def test_the_page_shows_the_grading_worker_with_its_queues_and_device(grading_stack, client, carla, course):
    app = grading_stack["app"]
    client.force_login(carla)
    with mock.patch.object(app.control, "inspect", wraps=app.control.inspect) as inspect:
        html = client.get(reverse("operations", args=[course.slug])).content.decode()
    assert inspect.called and all(call.kwargs["timeout"] <= 1.0 for call in inspect.call_args_list)
    row = html.split('data-worker="grader@test"')[1].split("</tr>")[0]
    assert "cpu, gpu, cpu-low, gpu-low" in row
    assert ("CPU" in row) or ("GPU" in row)
    assert "results consumer" in html.split('data-worker="results@test"')[1].split("</tr>")[0] or "resultados" in html
    cpu_row = html.split('id="queue-cpu"')[1].split("</tr>")[0]
    assert "grader@test" in cpu_row and "results@test" not in cpu_row
    assert "results@test" in html.split('id="queue-results"')[1].split("</tr>")[0]
    state = broker.state(app)
    grader = next(w for w in state.workers if w.name == "grader@test")
    assert grader.device in ("cpu", "cuda") and grader.processes == 1


def test_queue_lengths_grow_while_no_worker_consumes_and_the_submission_is_graded_after(
    grading_stack, client, alice, carla, course
):
    app = grading_stack["app"]
    client.force_login(carla)
    url = reverse("operations", args=[course.slug])
    assert _queue_length(client.get(url).content.decode(), "cpu") == "0"
    pause_grader(app)
    try:
        submission = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
        _wait_until_waiting_in(grading_stack["redis"].url, "cpu")
        html = client.get(url).content.decode()
        assert _queue_length(html, "cpu") == "1"
        assert f'id="active-{submission.pk}"' in html.split('id="ops-waiting"')[1]
        assert "grader@test" not in html.split('id="queue-cpu"')[1].split("</tr>")[0]  # it stepped aside
    finally:
        resume_grader(app)
    graded = wait_until_final(submission.pk)
    assert (graded.status, graded.score) == ("graded", 10.0)
    assert _queue_length(client.get(url).content.decode(), "cpu") == "0"


def test_a_lost_submission_is_resent_from_the_page_and_then_graded(grading_stack, client, alice, carla, course):
    from grader import progress

    app, redis = grading_stack["app"], progress.client(grading_stack["redis"].url)
    client.force_login(carla)
    pause_grader(app)
    try:
        submission = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
        # The message is lost (a broker that restarted empty), and the row has waited 10 minutes.
        _wait_until_waiting_in(grading_stack["redis"].url, "cpu")
        for key in broker.redis_keys("cpu"):
            redis.delete(key)
        Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - timedelta(minutes=10))
        html = client.get(reverse("operations", args=[course.slug])).content.decode()
        assert _queue_length(html, "cpu") == "0"
        resend = reverse("operations_resend", args=[course.slug, submission.pk])
        assert resend in html.split(f'id="active-{submission.pk}"')[1].split("</tr>")[0]
        assert client.post(resend).status_code == 302
        assert Resend.objects.get(submission=submission).published is True
        assert _queue_length(client.get(reverse("operations", args=[course.slug])).content.decode(), "cpu") == "1"
        client.post(resend)  # a second click at once sends nothing more
        assert Resend.objects.filter(submission=submission).count() == 1
    finally:
        resume_grader(app)
    graded = wait_until_final(submission.pk)
    assert (graded.status, graded.score, graded.charged) == ("graded", 10.0, True)
    assert Submission.objects.filter(student=alice).count() == 1
