"""A per-user request budget per minute, counted in Redis (shared by every web process).

A fixed one-minute window per user and purpose: INCR, with the key expiring after the
window. When Redis cannot be reached the request is allowed: what this guards (status
polling) is cheap, and a broker outage must not lock students out of their results.
"""

from __future__ import annotations

import time

import redis

from grader import progress


def allow(url: str, purpose: str, user_id: int, per_minute: int) -> tuple[bool, int]:
    """(allowed, seconds until the window ends)."""
    window = int(time.time() // 60)
    key = f"ratelimit:{purpose}:{user_id}:{window}"
    retry = 60 - int(time.time() % 60)
    try:
        with progress.client(url).pipeline() as pipe:
            count, _ = pipe.incr(key).expire(key, 120).execute()
    except redis.RedisError:
        return True, 0
    return int(count) <= per_minute, retry
