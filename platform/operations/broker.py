"""What the broker and the workers say right now: queue lengths from Redis, workers from Celery.

Everything here is bounded: Redis calls time out after a second, and the workers are asked
once with `INSPECT_TIMEOUT` (those that answered are then asked for their stats, which
returns as soon as each has). With Redis down nothing waits on Celery at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import redis
from kombu.transport.redis import PRIORITY_STEPS, Channel

from grader import progress

log = logging.getLogger(__name__)

# Seconds the page waits for workers to answer; the page says so when none did.
INSPECT_TIMEOUT = 1.0
QUEUES = ("cpu", "gpu", "cpu-low", "gpu-low", "cpu-regrade", "gpu-regrade", "bulk", "results")


def redis_keys(queue: str) -> list[str]:
    """The Redis lists holding a queue's messages: kombu keeps one per priority step
    (the name itself for priority 0, then the name, a separator and the step)."""
    return [queue if step == 0 else f"{queue}{Channel.sep}{step}" for step in PRIORITY_STEPS]


@dataclass
class Worker:
    name: str
    queues: list[str]
    device: str = ""  # "cuda" or "cpu" for grading workers; "" for the results consumer
    gpus: list[str] = field(default_factory=list)
    processes: int | None = None
    uptime_seconds: int | None = None
    tasks_done: int = 0


@dataclass
class BrokerState:
    reachable: bool
    queue_lengths: dict[str, int] = field(default_factory=dict)
    unacked: int | None = None  # messages taken by a worker, not yet acknowledged (running or prefetched)
    workers: list[Worker] = field(default_factory=list)
    inspect_timeout: float = INSPECT_TIMEOUT

    def workers_on(self, queue: str) -> list[Worker]:
        return [worker for worker in self.workers if queue in worker.queues]


def queue_lengths(url: str, queues: tuple[str, ...] = QUEUES) -> tuple[dict[str, int], int]:
    """Messages waiting per queue, and the broker's unacknowledged ones (raises redis.RedisError)."""
    client = progress.client(url)
    with client.pipeline(transaction=False) as pipe:
        for queue in queues:
            for key in redis_keys(queue):
                pipe.llen(key)
        pipe.hlen("unacked")
        counts = pipe.execute()
    steps = len(PRIORITY_STEPS)
    lengths = {queue: sum(counts[i * steps : (i + 1) * steps]) for i, queue in enumerate(queues)}
    return lengths, int(counts[-1])


def _worker(name: str, queues: list[dict], stats: dict) -> Worker:
    grader = stats.get("grader") if isinstance(stats.get("grader"), dict) else {}
    pool = stats.get("pool") if isinstance(stats.get("pool"), dict) else {}
    total = stats.get("total") if isinstance(stats.get("total"), dict) else {}
    return Worker(
        name=name,
        queues=[q.get("name", "") for q in queues if isinstance(q, dict)],
        device=str(grader.get("device", "")),
        gpus=[str(gpu) for gpu in grader.get("gpus", [])],
        processes=pool.get("max-concurrency"),
        uptime_seconds=stats.get("uptime"),
        tasks_done=sum(v for v in total.values() if isinstance(v, int)),
    )


def workers(app, timeout: float = INSPECT_TIMEOUT) -> list[Worker]:
    """The workers that answer within `timeout`, with their queues and devices."""
    with app.connection_for_write() as connection:
        queues = app.control.inspect(timeout=timeout, connection=connection).active_queues() or {}
        if not queues:
            return []
        names = sorted(queues)
        stats = (
            app.control.inspect(timeout=timeout, connection=connection, destination=names, limit=len(names)).stats()
            or {}
        )
    return [_worker(name, queues[name] or [], stats.get(name) or {}) for name in names]


def state(app) -> BrokerState:
    """Queue lengths and workers, or `reachable=False` when Redis does not answer."""
    url = app.conf.broker_url
    try:
        lengths, unacked = queue_lengths(url)
    except redis.RedisError as exc:
        log.warning("operations: broker unreachable: %s", exc)
        return BrokerState(reachable=False)
    try:
        online = workers(app)
    except Exception:  # noqa: BLE001 - kombu raises several types for a broker that went away
        log.exception("operations: could not inspect the workers")
        online = []
    return BrokerState(reachable=True, queue_lengths=lengths, unacked=unacked, workers=online)
