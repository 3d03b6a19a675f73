"""Fixtures shared by the integration tests (the grading stack itself is in tests/conftest.py)."""

import pytest


@pytest.fixture
def broker(redis_server):
    """The site's Celery app publishing to the tests' own Redis (for the site's background workers)."""
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = redis_server.url
    yield app
    app.conf.broker_url = previous
