"""Live progress of a grading, relayed through Redis: the worker writes, the site reads.

One key per submission holds the latest event ({"step", "total", "metrics"})
for an hour. Progress is best effort: a Redis hiccup never fails a grading
or a page.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache

import redis

log = logging.getLogger(__name__)
TTL_SECONDS = 3600


def key(submission_id: int) -> str:
    return f"grader:progress:{int(submission_id)}"


@lru_cache(maxsize=4)
def client(url: str) -> redis.Redis:
    """One client (and connection pool) per URL for the whole process."""
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def publish(url: str, submission_id: int, event: dict) -> None:
    try:
        client(url).set(key(submission_id), json.dumps(event), ex=TTL_SECONDS)
    except redis.RedisError:
        log.warning("could not publish progress of submission %s", submission_id)


def latest(url: str, submission_id: int) -> dict | None:
    try:
        raw = client(url).get(key(submission_id))
    except redis.RedisError:
        return None
    if not raw:
        return None
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None
