"""/metrics in the Prometheus text format: who may read it, and what it counts (real Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from grader import progress
from operations import broker as broker_state
from submissions.models import Submission
from tests import services as test_services
from tests.conftest import SOLUTION, exercise

pytestmark = pytest.mark.django_db
TOKEN = "a-long-metrics-token-for-the-tests"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def _samples(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _scrape(client, token=TOKEN):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_only_the_token_or_a_superuser_reads_the_metrics(client, broker, alice, django_user_model):
    assert client.get("/metrics").status_code == 404  # a visitor does not learn it exists
    assert _scrape(client, "wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404  # not a bearer token
    client.force_login(alice)
    assert client.get("/metrics").status_code == 403
    client.logout()
    assert _scrape(client).status_code == 200
    root = django_user_model.objects.create_superuser("root", "root@example.org", "root-pass-123")
    client.force_login(root)
    assert client.get("/metrics").status_code == 200


def test_no_token_configured_means_superusers_only(client, broker, settings):
    settings.METRICS_TOKEN = ""
    assert _scrape(client, "").status_code == 404


def _submission(course, student, status, created_ago, started_ago=None, finished_ago=None):
    item = exercise("softmax-temperature")
    now = timezone.now()
    submission = Submission.objects.create(
        course=course, student=student, exercise=item, version=item.current_version, source=SOLUTION, status=status
    )
    Submission.objects.filter(pk=submission.pk).update(
        created_at=now - timedelta(seconds=created_ago),
        started_at=now - timedelta(seconds=started_ago) if started_ago is not None else None,
        finished_at=now - timedelta(seconds=finished_ago) if finished_ago is not None else None,
    )


def test_queues_submissions_and_grading_times(client, broker, course, alice, bob):
    client_redis = progress.client(broker.conf.broker_url)
    for key in broker_state.redis_keys("cpu") + broker_state.redis_keys("similarity"):
        client_redis.delete(key)
    client_redis.lpush("cpu", "a", "b")
    client_redis.lpush(broker_state.redis_keys("similarity")[1], "c")  # a message at another priority step
    _submission(course, alice, "queued", created_ago=90)
    _submission(course, bob, "queued", created_ago=30)
    _submission(course, alice, "running", created_ago=20, started_ago=10)
    _submission(course, alice, "graded", created_ago=40, started_ago=37, finished_ago=30)  # waited 3 s, ran 7 s
    _submission(course, bob, "graded", created_ago=100, started_ago=50, finished_ago=45)  # waited 50 s, ran 5 s
    _submission(course, bob, "graded", created_ago=9000, started_ago=8990, finished_ago=8980)  # not recent
    try:
        samples = _samples(_scrape(client))
    finally:
        client_redis.delete("cpu", *broker_state.redis_keys("similarity"))
    assert samples[("grader_broker_up", ())] == 1
    assert samples[("grader_queue_length", (("queue", "cpu"),))] == 2
    assert samples[("grader_queue_length", (("queue", "similarity"),))] == 1
    for queue in ("cpu-low", "cpu-regrade", "gpu", "gpu-low", "gpu-regrade", "results", "bulk"):
        assert samples[("grader_queue_length", (("queue", queue),))] == 0, queue
    assert samples[("grader_submissions", (("status", "queued"),))] == 2
    assert samples[("grader_submissions", (("status", "running"),))] == 1
    assert samples[("grader_submissions", (("status", "graded"),))] == 3
    assert samples[("grader_submissions", (("status", "sandbox_error"),))] == 0
    assert 89 <= samples[("grader_oldest_queued_seconds", ())] < 120
    assert samples[("grader_queue_wait_seconds_count", ())] == 2
    assert samples[("grader_queue_wait_seconds_bucket", (("le", "5.0"),))] == 1
    assert samples[("grader_queue_wait_seconds_bucket", (("le", "60.0"),))] == 2
    assert samples[("grader_queue_wait_seconds_sum", ())] == pytest.approx(53, abs=0.5)
    assert samples[("grader_run_seconds_count", ())] == 2
    assert samples[("grader_run_seconds_bucket", (("le", "5.0"),))] == 1
    assert samples[("grader_run_seconds_sum", ())] == pytest.approx(12, abs=0.5)
    # Workers: those answering on the tests' Redis (none, or the grading stack's when it runs).
    assert samples[("grader_workers", ())] >= 0
    assert ("grader_queue_consumers", (("queue", "similarity"),)) in samples


def test_the_broker_down_still_answers_with_the_database_figures(client, broker, course, alice):
    _submission(course, alice, "queued", created_ago=5)
    previous = test_services.use_broker(broker, f"redis://127.0.0.1:{test_services.free_port()}/0")
    try:
        samples = _samples(_scrape(client))
    finally:
        test_services.use_broker(broker, previous)
    assert samples[("grader_broker_up", ())] == 0
    assert samples[("grader_submissions", (("status", "queued"),))] == 1
    assert not any(name == "grader_queue_length" for name, _ in samples)
