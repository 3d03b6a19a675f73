"""/health/ and /metrics with a real Celery worker consuming every queue (a light `celery -A config`
worker: what matters here is who answers the inspection, not what it grades)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from operations.health import REQUIRED_QUEUES
from tests import services

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def every_queue_worker(broker, redis_server, tmp_path):
    env = services.python_env({"REDIS_URL": redis_server.url, "VAR_DIR": str(settings.VAR_DIR)})
    worker = services.start_worker("config", ",".join(REQUIRED_QUEUES), "health@test", env, tmp_path / "w.log")
    try:
        services.wait_for_workers(broker, ["health@test"])
        yield worker
    finally:
        worker.stop()


def test_a_worker_on_every_queue_makes_workers_ok(client, every_queue_worker, settings):
    response = client.get("/health/?format=json")
    assert response.status_code == 200
    assert json.loads(response.content) == {"Database": "OK", "Broker": "OK", "Workers": "OK"}
    settings.METRICS_TOKEN = "token-for-the-live-test"
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer token-for-the-live-test").content.decode()
    assert "grader_workers " in text and "grader_workers 0.0" not in text
    for queue in REQUIRED_QUEUES:
        line = next(line for line in text.splitlines() if line.startswith(f'grader_queue_consumers{{queue="{queue}"}}'))
        assert float(line.split()[-1]) >= 1, line


def test_a_worker_missing_on_some_queues_is_said_but_not_a_failure(client, broker, tmp_path):
    # A Redis of its own: no other test's worker answers here.
    own = services.RedisServer(port=services.free_port(), workdir=tmp_path)
    own.start()
    previous = services.use_broker(broker, own.url)
    env = services.python_env({"REDIS_URL": own.url, "VAR_DIR": str(settings.VAR_DIR)})
    worker = services.start_worker("config", "results", "results-only@test", env, tmp_path / "w.log")
    try:
        services.wait_for_workers(broker, ["results-only@test"])
        response = client.get("/health/?format=json")
    finally:
        worker.stop()
        services.use_broker(broker, previous)
        own.stop()
    body = json.loads(response.content)
    assert response.status_code == 200, body
    missing = "cpu, gpu, cpu-low, gpu-low, cpu-regrade, gpu-regrade, similarity, bulk"
    assert body["Workers"] == f"Unavailable: 1 answered; no worker consumes: {missing}"
