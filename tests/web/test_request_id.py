"""Every answer has an X-Request-ID, and every log line written during the request carries it."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from config.logs import RequestIdFilter, incoming_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The root logger writing through the JSON formatter and the filter of settings.LOGGING."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    handler.setFormatter(JsonFormatter(**options))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_each_answer_gets_a_fresh_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert first != second and len(first) == 32 and int(first, 16) >= 0


def test_the_proxys_id_is_kept_when_it_is_a_short_safe_token(client):
    rid = "3f2c9a1e-77b4-4c1e-9a55-0c3e1f2d4b6a"
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID=rid)["X-Request-ID"] == rid


@pytest.mark.parametrize(
    "sent",
    ["short", "x" * 65, "two words", "id\nforged log line", 'a"},{"level":"ERROR', "<script>alert(1)</script>", ""],
)
def test_an_unsafe_incoming_id_is_replaced(client, sent):
    assert incoming_id(sent) is None
    answered = client.get("/accounts/login/", HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert answered != sent and len(answered) == 32


@pytest.mark.urls("tests.web.logging_urls")
def test_a_log_line_written_in_a_view_carries_the_request_id(client, alice, json_lines):
    client.force_login(alice)
    response = client.get("/logs-a-line/", HTTP_X_REQUEST_ID="req-12345678")
    assert response["X-Request-ID"] == "req-12345678"
    lines = json_lines()
    view = next(line for line in lines if line["logger"] == "tests.view")
    assert view["request_id"] == "req-12345678"
    assert view["message"] == "inside the view" and view["level"] == "WARNING" and view["timestamp"]
    done = next(line for line in lines if line["logger"] == "config.request")
    assert done["request_id"] == "req-12345678"
    assert done["method"] == "GET" and done["path"] == "/logs-a-line/" and done["status"] == 200
    assert done["user_id"] == alice.pk and done["duration_ms"] >= 0
    # Outside a request the field is still there.
    logging.getLogger("tests.outside").warning("after")
    assert json_lines()[-1]["request_id"] == "-"
