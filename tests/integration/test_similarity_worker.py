"""Similarity through real services: the page enqueues on Redis, a real `similarity` worker computes.

The worker is the site's Celery app (`celery -A config worker -Q similarity`) with the test
database: it reads submissions and writes the run. It is its own queue and process, not the
results consumer, so a long comparison never delays recording grades.
"""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from similarity.models import Run
from submissions.models import Submission
from tests import services as test_services
from tests.conftest import SOLUTION, exercise

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SLUG = "softmax-temperature"


@pytest.fixture
def similarity_worker(broker, redis_server, tmp_path):
    from django.db import connection

    env = test_services.python_env(
        {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": test_services.database_url(connection.settings_dict),
            "VAR_DIR": str(settings.VAR_DIR),
        }
    )
    worker = test_services.start_worker("config", "similarity", "similarity@test", env, tmp_path / "similarity.log")
    try:
        test_services.wait_for_workers(broker, ["similarity@test"])
        yield worker
    finally:
        worker.stop()


def wait_until_finished(run_id: int, timeout: float = 60) -> Run:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run_id)
        if not run.is_active:
            return run
        time.sleep(0.2)
    raise TimeoutError(f"run {run_id} still {run.status}")


def submit(course, student, source):
    item = exercise(SLUG)
    return Submission.objects.create(
        course=course, student=student, exercise=item, version=item.current_version, source=source, status="graded"
    )


def test_the_page_enqueues_and_the_worker_computes_and_stores_the_pairs(
    broker, redis_server, client, carla, alice, bob, course, tmp_path, request
):
    a = submit(course, alice, SOLUTION)
    b = submit(course, bob, SOLUTION.replace("weights", "pesos").replace("shifted", "deslocado"))
    client.force_login(carla)

    # No worker yet: the request returns with the run queued and its message waiting on Redis.
    response = client.post(reverse("similarity_recompute", args=[course.slug, SLUG]))
    assert response.status_code == 302
    run = Run.objects.get()
    assert run.status == "queued"
    assert redis.Redis.from_url(redis_server.url).llen("similarity") == 1

    request.getfixturevalue("similarity_worker")
    run = wait_until_finished(run.pk)
    assert (run.status, run.compared, run.error) == ("done", 2, "")
    assert run.started_at and run.finished_at and run.started_at <= run.finished_at
    (pair,) = run.pairs.all()
    assert {pair.submission_a_id, pair.submission_b_id} == {a.pk, b.pk}
    assert pair.score > 0.9 and pair.regions_a
