"""The periodic sweeper: every coding submission gets graded once, or is marked as not gradable.

Run by the scheduler (`celery -A config beat` sends `submissions.sweep` to the results consumer
every SWEEP_INTERVAL_SECONDS; `python manage.py sweep_submissions` runs it by hand). It looks at
the submissions that are not final and, in submission order:

- never published (the broker was down when it was made, or the site died before publishing):
  publishes it;
- published, still queued, and its task is nowhere in the broker (not waiting on a queue, not
  taken by a worker, no "running" notice or result on its way back): the broker lost it (a Redis
  restart without persistence), so publishes it again;
- running far past its time limit: the worker that took it died with it (a SIGKILL of the worker's
  main process leaves the task in Redis's unacknowledged set for the two-hour visibility
  timeout), so removes that stale copy and publishes it again.

A submission waiting behind a long queue is left alone: its task is in the broker. One already
sent SWEEP_MAX_DELIVERIES times is marked `sandbox_error`, not charged, instead of being sent again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grader import progress
from grader.manifest import DEFAULT_LIMITS
from operations.broker import redis_keys
from submissions import services
from submissions.models import Submission

log = logging.getLogger(__name__)

GRADING_QUEUES = ("cpu", "cpu-low", "gpu", "gpu-low")
# Where a worker's notices about a submission wait for the results consumer.
RESULTS_QUEUE = "results"
UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"


@dataclass
class SweepReport:
    published: list[int] = field(default_factory=list)  # never published before
    resent: list[int] = field(default_factory=list)  # lost by the broker, or by a dead worker
    given_up: list[int] = field(default_factory=list)  # marked sandbox_error, not charged
    dropped: list[int] = field(default_factory=list)  # a dead worker's copy of work since graded
    broker_reachable: bool = True

    def __bool__(self) -> bool:
        return bool(self.published or self.resent or self.given_up)


def _decoded(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _task_id(message: Any) -> str | None:
    """The task id in a decoded kombu message's headers; None for anything else."""
    headers = message.get("headers") if isinstance(message, dict) else None
    task_id = headers.get("id") if isinstance(headers, dict) else None
    return task_id if isinstance(task_id, str) else None


def _submission_of(task_id: str) -> int | None:
    """grade-<id>-..., and the workers' notices: running-<id>-..., result-<id>-..."""
    parts = task_id.split("-")
    if len(parts) >= 2 and parts[0] in ("grade", "running", "result") and parts[1].isdigit():
        return int(parts[1])
    return None


@dataclass
class BrokerView:
    """What the broker holds about grading now: task ids waiting or taken, and the
    submissions with a notice on its way back."""

    waiting_or_taken: set[str]
    notices: set[int]
    unacked_tags: dict[str, str]  # task id -> delivery tag, for the tasks a worker took

    @classmethod
    def read(cls, url: str) -> BrokerView:
        client = progress.client(url)
        ids: set[str] = set()
        notices: set[int] = set()
        tags: dict[str, str] = {}
        for queue in (*GRADING_QUEUES, RESULTS_QUEUE):
            for key in redis_keys(queue):
                for message in client.lrange(key, 0, -1):
                    task_id = _task_id(_decoded(message))
                    if task_id is None:
                        continue
                    if queue == RESULTS_QUEUE:
                        owner = _submission_of(task_id)
                        if owner is not None:
                            notices.add(owner)
                    else:
                        ids.add(task_id)
        for tag, value in client.hgetall(UNACKED).items():
            # kombu keeps [message, exchange, routing key] for each task a worker took.
            entry = _decoded(value)
            task_id = _task_id(entry[0] if isinstance(entry, list) and entry else None)
            if task_id is None:
                continue
            owner = _submission_of(task_id)
            if task_id.startswith("grade-"):
                ids.add(task_id)
                tags[task_id] = tag.decode() if isinstance(tag, bytes) else str(tag)
            elif owner is not None:
                notices.add(owner)
        return cls(ids, notices, tags)

    def forget(self, url: str, task_id: str) -> None:
        """Drop a dead worker's copy of a task, so Redis does not hand it out again in two hours."""
        tag = self.unacked_tags.get(task_id)
        if tag is None:
            return
        client = progress.client(url)
        with client.pipeline() as pipe:
            pipe.hdel(UNACKED, tag)
            pipe.zrem(UNACKED_INDEX, tag)
            pipe.execute()


def time_limit_seconds(submission: Submission) -> int:
    limits = submission.version.data.get("limits") or {}
    gpu_limits = submission.version.data.get("gpu_limits") or {}
    wall = int(limits.get("wall_seconds", DEFAULT_LIMITS["wall_seconds"]))
    return max(wall, int(gpu_limits.get("wall_seconds", wall)))


def _give_up(submission: Submission) -> bool:
    report = {
        "version": 1,
        "status": Submission.Status.SANDBOX_ERROR,
        "checks": [],
        "message": {
            "pt": f"O corretor não conseguiu corrigir este envio depois de {submission.deliveries} tentativas; "
            "esta tentativa não conta.",
            "en": f"The grader could not grade this submission after {submission.deliveries} tries; "
            "this attempt does not count.",
        },
        "given_up": True,
    }
    with transaction.atomic():
        updated = Submission.objects.filter(pk=submission.pk, finished_at__isnull=True).update(
            status=Submission.Status.SANDBOX_ERROR,
            score=0.0,
            charged=False,
            report=report,
            finished_at=timezone.now(),
        )
    return bool(updated)


def _requeue(submission: Submission) -> bool:
    """Back to queued (a running one lost its worker), then publish; False if it became final meanwhile."""
    updated = Submission.objects.filter(pk=submission.pk, finished_at__isnull=True).update(
        status=Submission.Status.QUEUED, started_at=None
    )
    return bool(updated) and services.enqueue_grading(submission.pk)


def _drop_finished_copies(broker: BrokerView, url: str, now: datetime) -> list[int]:
    """A worker that died after its result went out leaves its copy of the task in `unacked`, which
    Redis would hand out again after the visibility timeout: graded twice, two hours later."""
    owners = {_submission_of(task_id): task_id for task_id in broker.unacked_tags}
    owners.pop(None, None)
    if not owners:
        return []
    cutoff = now - timedelta(seconds=settings.SWEEP_RUNNING_GRACE_SECONDS)
    done = list(Submission.objects.filter(pk__in=owners, finished_at__lt=cutoff).values_list("pk", flat=True))
    for pk in done:
        broker.forget(url, owners[pk])
    return sorted(done)


def sweep(now: datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    from config.celery import app

    url = app.conf.broker_url
    unpublished_before = now - timedelta(seconds=settings.SWEEP_PUBLISH_GRACE_SECONDS)
    pending = list(
        Submission.objects.filter(status__in=(Submission.Status.QUEUED, Submission.Status.RUNNING))
        .select_related("version")
        .order_by("created_at", "pk")
    )
    try:
        broker = BrokerView.read(url)
    except redis.RedisError as exc:
        log.warning("sweeper: broker unreachable (%s); nothing re-sent", exc)
        report.broker_reachable = False
        return report
    report.dropped = _drop_finished_copies(broker, url, now)
    limit = settings.SWEEP_MAX_DELIVERIES
    for submission in pending:
        if submission.status == Submission.Status.QUEUED and submission.published_at is None:
            if submission.created_at > unpublished_before:
                continue  # its request may still be publishing it
            if submission.task_id and submission.task_id in broker.waiting_or_taken:
                continue
            kind = report.published
        elif submission.status == Submission.Status.QUEUED:
            if submission.published_at > unpublished_before:
                continue
            if submission.task_id in broker.waiting_or_taken or submission.pk in broker.notices:
                continue
            kind = report.resent
        else:
            started = submission.started_at or submission.published_at or submission.created_at
            # A grading takes its sandbox's wall time at most, plus starting, judging and the worker's
            # own retries after an infrastructure failure (5 + 10 + 20 s): past that and a grace, it is lost.
            grace = settings.SWEEP_RUNNING_GRACE_SECONDS
            overdue = (now - started).total_seconds() > time_limit_seconds(submission) + grace
            if not overdue or submission.pk in broker.notices:
                continue
            broker.forget(url, submission.task_id)
            kind = report.resent
        if submission.deliveries >= limit:
            if _give_up(submission):
                report.given_up.append(submission.pk)
                log.error("sweeper: submission %s sent %s times; marked sandbox_error", submission.pk, limit)
            continue
        if _requeue(submission):
            kind.append(submission.pk)
        else:
            # The broker went away while sweeping: the next sweep goes on from here, in order.
            break
    if report:
        log.warning(
            "sweeper: published %s, re-sent %s, gave up on %s", report.published, report.resent, report.given_up
        )
    return report
