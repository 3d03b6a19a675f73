"""/health/ for the load balancer, against the tests' real Redis: 200 when the database and the broker
answer, 500 when either does not; workers reported, not critical (a worker answering it:
tests/integration/test_health_live.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests import services as test_services
from tests.conftest import ROOT
from tests.web.test_production import production_env

pytestmark = pytest.mark.django_db


def _health(client):
    response = client.get("/health/?format=json")
    return response.status_code, json.loads(response.content)


def test_healthy_with_the_database_and_the_broker_up_and_no_worker(client, broker):
    status, body = _health(client)
    assert status == 200, body
    assert body["Database"] == "OK" and body["Broker"] == "OK"
    # No worker listens on the tests' Redis here: said, and not a reason to take the host out.
    assert body["Workers"] != "OK" and "no worker" in body["Workers"]


def test_the_broker_down_is_a_failure(client, broker):
    previous = test_services.use_broker(broker, f"redis://127.0.0.1:{test_services.free_port()}/0")
    try:
        status, body = _health(client)
    finally:
        test_services.use_broker(broker, previous)
    assert status == 500, body
    assert body["Database"] == "OK"
    assert body["Broker"] == "Unavailable: broker unreachable"


def test_no_login_no_redirect_and_no_host_in_the_answer(client, broker, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/", HTTP_ACCEPT="text/html")  # plain HTTP, anonymous
    assert response.status_code == 200
    assert b"System status" in response.content
    assert b"127.0.0.1" not in response.content and str(broker.conf.broker_url).encode() not in response.content
    assert client.get("/accounts/login/").status_code == 301  # every other page goes to HTTPS


def test_the_database_down_is_a_failure(tmp_path, redis_server):
    """A web process whose PostgreSQL does not answer (nothing listens on that port)."""
    env = production_env(
        tmp_path,
        DATABASE_URL=f"postgres://nobody@127.0.0.1:{test_services.free_port()}/none",
        REDIS_URL=redis_server.url,
        STATIC_MANIFEST="0",
    )
    code = (
        "import django; django.setup()\nfrom django.test import Client\n"
        "r = Client().get('/health/?format=json'); print(r.status_code); print(r.content.decode())"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    status, body = done.stdout.splitlines()[:2]
    body = json.loads(body)
    assert status == "500", body
    assert body["Database"] != "OK" and body["Broker"] == "OK"
