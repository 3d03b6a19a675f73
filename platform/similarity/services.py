"""Similarity runs: requesting one (from a staff page) and computing it (in the `similarity` worker).

The page only creates the row and, once the transaction commits, publishes the run's id;
`compute_run` then reads the submissions, calls the pure `grader.similarity.compare`
and stores the top pairs. Nothing here runs in a web request except `request_run`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Exercise
from courses.models import Course, Enrollment
from grader import similarity
from similarity.models import Pair, Run
from submissions.models import Submission

log = logging.getLogger(__name__)

QUEUE = "similarity"
TASK = "similarity.compute_run"
# A run still queued or running after this long lost its worker (or its message): it no longer
# blocks a new request. A course's run takes seconds; the broker's visibility timeout is 2 h.
STALE_AFTER = timedelta(hours=3)
TOP_PAIRS = 50  # kept per exercise


def _expire_stale(course: Course, exercise: Exercise) -> None:
    Run.objects.filter(
        course=course, exercise=exercise, status__in=Run.ACTIVE, created_at__lt=timezone.now() - STALE_AFTER
    ).update(status=Run.Status.FAILED, finished_at=timezone.now(), error="no worker finished it in time")


def request_run(course: Course, exercise: Exercise, user) -> Run | None:
    """A new queued run, published on commit; None while another one waits or runs for this exercise."""
    _expire_stale(course, exercise)
    try:
        with transaction.atomic():
            run = Run.objects.create(course=course, exercise=exercise, requested_by=user)
    except IntegrityError:  # the partial unique constraint: one active run per exercise
        return None
    transaction.on_commit(lambda: enqueue_run(run.pk))
    return run


def enqueue_run(run_id: int) -> bool:
    from config.celery import app

    try:
        app.send_task(TASK, args=[run_id], queue=QUEUE, retry=True)
    except Exception:  # noqa: BLE001 - kombu raises several types for an unreachable broker
        log.exception("could not publish similarity run %s", run_id)
        # Not left queued forever: the page offers "Recompute" again at once.
        Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
            status=Run.Status.FAILED, finished_at=timezone.now(), error="the task queue is unreachable"
        )
        return False
    return True


def latest_submissions(course: Course, exercise: Exercise) -> list[Submission]:
    """Each student's latest submission to the exercise (staff's own tries left out)."""
    students = Enrollment.objects.filter(course=course, role=Enrollment.STUDENT).values("user_id")
    rows = (
        Submission.objects.filter(course=course, exercise=exercise, student__in=students)
        .order_by("student_id", "-created_at", "-pk")
        .only("pk", "student_id", "source")
    )
    latest: dict[int, Submission] = {}
    for submission in rows:
        latest.setdefault(submission.student_id, submission)
    return list(latest.values())


def compute_run(run_id: int) -> None:
    """Compute a queued run; a run already claimed or finished is left as it is (a replayed message)."""
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
        status=Run.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    run = Run.objects.select_related("course", "exercise__current_version").get(pk=run_id)
    try:
        submissions = latest_submissions(run.course, run.exercise)
        version = run.exercise.current_version
        starter = (version.data.get("starter") or "") if version else ""
        entries = [similarity.Entry(str(s.pk), str(s.student_id), s.source) for s in submissions]
        result = similarity.compare(entries, starter, top=TOP_PAIRS)
    except Exception as exc:  # noqa: BLE001 - a bug must still end the run, or it blocks "Recompute"
        log.exception("similarity run %s failed", run_id)
        Run.objects.filter(pk=run_id).update(
            status=Run.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return
    with transaction.atomic():
        Pair.objects.bulk_create(
            Pair(
                run=run,
                rank=rank,
                submission_a_id=int(pair.a),
                submission_b_id=int(pair.b),
                score=pair.score,
                regions_a=[list(r) for r in pair.regions_a],
                regions_b=[list(r) for r in pair.regions_b],
            )
            for rank, pair in enumerate(result.pairs, start=1)
        )
        Run.objects.filter(pk=run_id).update(
            status=Run.Status.DONE, finished_at=timezone.now(), compared=result.compared, skipped=result.skipped
        )
        # Only the newest result is worth keeping: older finished runs (and their pairs) go.
        Run.objects.filter(course=run.course, exercise=run.exercise, pk__lt=run_id).exclude(
            status__in=Run.ACTIVE
        ).delete()
