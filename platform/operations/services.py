"""The database side of the operations page, and re-sending a stuck submission.

All of it is per course: staff of one course never see another course's submissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max
from django.utils import timezone

from courses.models import Course
from grader.manifest import DEFAULT_LIMITS
from operations.models import Resend
from submissions.models import Submission
from submissions.services import enqueue_grading

# A grading takes the sandbox's wall time at most, plus starting, judging and the worker's
# retries after an infrastructure failure (5 + 10 + 20 s): past that, it is stuck.
STUCK_GRACE_SECONDS = 60
RESEND_INTERVAL = timedelta(minutes=1)
RECENT = timedelta(hours=24)
SHOWN = 50  # rows of a table at most


def time_limit_seconds(submission: Submission) -> int:
    limits = submission.version.data.get("limits") or {}
    return int(limits.get("wall_seconds", DEFAULT_LIMITS["wall_seconds"]))


def waiting_since(submission: Submission, last_resend: datetime | None = None) -> datetime:
    """When the submission entered its present state: queued (made or re-sent) or running."""
    if submission.status == Submission.Status.RUNNING and submission.started_at:
        return submission.started_at
    return max(submission.created_at, last_resend) if last_resend else submission.created_at


def is_stuck(submission: Submission, now: datetime, last_resend: datetime | None = None) -> bool:
    """Queued longer than OPERATIONS_STALE_SECONDS, or running longer than its time limit and a grace."""
    age = (now - waiting_since(submission, last_resend)).total_seconds()
    if submission.status == Submission.Status.QUEUED:
        return age > settings.OPERATIONS_STALE_SECONDS
    if submission.status == Submission.Status.RUNNING:
        return age > time_limit_seconds(submission) + STUCK_GRACE_SECONDS
    return False


@dataclass
class Active:
    submission: Submission
    age_seconds: int
    time_limit: int
    stuck: bool


@dataclass
class Overview:
    waiting_counts: dict[str, int]  # queued submissions of the course per queue
    queued: list[Active]
    running: list[Active]
    slowest: list[Submission]  # with .duration
    errors: list[Submission]


def _last_resends(ids: list[int]) -> dict[int, datetime]:
    rows = Resend.objects.filter(submission_id__in=ids).values("submission_id").annotate(last=Max("created_at"))
    return {row["submission_id"]: row["last"] for row in rows}


def _active(course: Course, status: str, now: datetime) -> list[Active]:
    order = "started_at" if status == Submission.Status.RUNNING else "created_at"
    rows = list(
        Submission.objects.filter(course=course, status=status)
        .select_related("exercise", "version", "student")
        .order_by(order, "pk")[:SHOWN]
    )
    resent = _last_resends([s.pk for s in rows])
    return [
        Active(
            submission=s,
            age_seconds=int((now - waiting_since(s, resent.get(s.pk))).total_seconds()),
            time_limit=time_limit_seconds(s),
            stuck=is_stuck(s, now, resent.get(s.pk)),
        )
        for s in rows
    ]


def overview(course: Course) -> Overview:
    now = timezone.now()
    since = now - RECENT
    waiting = dict(
        Submission.objects.filter(course=course, status=Submission.Status.QUEUED)
        .values("queue")
        .annotate(count=Count("id"))
        .values_list("queue", "count")
    )
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    slowest = list(
        Submission.objects.filter(course=course, finished_at__gte=since, started_at__isnull=False)
        .annotate(duration=duration)
        .select_related("exercise", "student")
        .order_by("-duration", "-pk")[:10]
    )
    errors = list(
        Submission.objects.filter(course=course, status=Submission.Status.SANDBOX_ERROR, finished_at__gte=since)
        .select_related("exercise", "student")
        .order_by("-finished_at", "-pk")[:SHOWN]
    )
    return Overview(
        waiting_counts=waiting,
        queued=_active(course, Submission.Status.QUEUED, now),
        running=_active(course, Submission.Status.RUNNING, now),
        slowest=slowest,
        errors=errors,
    )


class ResendRefused(Exception):
    """Why a submission was not re-sent: `reason` is "not_stuck" or "too_soon"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def resend(submission: Submission, by) -> Resend:
    """Put a stuck submission back to queued and publish its grading task again.

    The attempt is the same row, so nothing is charged twice; if the first grading still
    comes back, `record_result` keeps whichever result arrives first and ignores the other.
    At most once per RESEND_INTERVAL per submission (the row's lock orders two clicks).
    Returns the Resend, whose `published` says whether the broker took the task.
    """
    with transaction.atomic():
        locked = Submission.objects.select_for_update().select_related("version").get(pk=submission.pk)
        now = timezone.now()
        last = Resend.objects.filter(submission=locked).order_by("-created_at").first()
        if last and now - last.created_at < RESEND_INTERVAL:
            raise ResendRefused("too_soon")
        if not is_stuck(locked, now, last.created_at if last else None):
            raise ResendRefused("not_stuck")
        record = Resend.objects.create(submission=locked, by=by, previous_status=locked.status)
        Submission.objects.filter(pk=locked.pk).update(status=Submission.Status.QUEUED, started_at=None)
        transaction.on_commit(lambda: _publish(record))
    return record


def _publish(record: Resend) -> None:
    record.published = enqueue_grading(record.submission_id)
    if record.published:
        Resend.objects.filter(pk=record.pk).update(published=True)
