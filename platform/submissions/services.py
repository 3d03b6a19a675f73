"""Submission logic that views, tasks and tests all call.

A coding submission is saved first (queued) and its grading task is published
only after the transaction commits, so a worker never looks for a row that is
not there yet. Results come back on the `results` queue; recording one twice
changes nothing.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Exercise
from courses.models import Course, CourseLesson, Enrollment
from grader import engine, quiz
from grader.content import MAX_SOURCE_BYTES
from submissions.models import HintReveal, QuizAnswer, Submission

log = logging.getLogger(__name__)


class InvalidSubmission(ValueError):
    """Bad input from the student: shown as a form error, nothing saved, nothing charged."""


def submit_code(enrollment: Enrollment, exercise: Exercise, source: str | bytes) -> Submission:
    version = exercise.current_version
    if exercise.kind != Exercise.CODE or version is None:
        raise InvalidSubmission(_("this is not a coding exercise"))
    try:
        text = engine.check_source(source)
    except engine.SourceRejected as exc:
        reasons = {
            "too_large": _("the code is larger than %(limit)d KiB") % {"limit": MAX_SOURCE_BYTES // 1024},
            "nul_byte": _("the code contains a NUL byte"),
            "not_utf8": _("the file is not UTF-8 text"),
        }
        raise InvalidSubmission(reasons[exc.reason]) from exc
    if not text.strip():
        raise InvalidSubmission(_("the code is empty"))
    with transaction.atomic():
        # One submission at a time per student and course: two quick clicks cannot both take the last attempt.
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        late = past_due(enrollment.course, exercise)
        limit = attempt_limit(exercise)
        if not late and limit and attempts_used(enrollment, exercise) >= limit:
            raise InvalidSubmission(
                _("you have used all %(limit)d attempts for this exercise; after the due date you may still practise")
                % {"limit": limit}
            )
        submission = Submission.objects.create(
            course=enrollment.course,
            student=enrollment.user,
            exercise=exercise,
            version=version,
            source=text,
            queue=version.queue,
            max_score=version.max_score,
            late=late,
        )
        transaction.on_commit(lambda: enqueue_grading(submission.pk))
    return submission


def due_at(course: Course, exercise: Exercise) -> datetime | None:
    """The due date of the exercise's lesson in this course, if it has one."""
    row = CourseLesson.objects.filter(course=course, lesson_id=exercise.lesson_id).only("due_at").first()
    return row.due_at if row else None


def is_past(due: datetime | None) -> bool:
    return due is not None and timezone.now() >= due


def past_due(course: Course, exercise: Exercise) -> bool:
    return is_past(due_at(course, exercise))


def attempt_limit(exercise: Exercise) -> int:
    """Charged submissions allowed before the due date; 0 means no limit."""
    version = exercise.current_version
    return int(version.data.get("attempts", 0)) if version else 0


def attempts_used(enrollment: Enrollment, exercise: Exercise) -> int:
    """On-time submissions that count: a grader failure (charged=False) and late practice do not."""
    return Submission.objects.filter(
        course=enrollment.course, student=enrollment.user, exercise=exercise, charged=True, late=False
    ).count()


def hints_of(exercise: Exercise) -> list[dict[str, str]]:
    version = exercise.current_version
    return list(version.data.get("hints", [])) if version else []


def hints_opened(enrollment: Enrollment, exercise: Exercise) -> int:
    return HintReveal.objects.filter(course=enrollment.course, student=enrollment.user, exercise=exercise).count()


def open_next_hint(enrollment: Enrollment, exercise: Exercise) -> int:
    """Open the next hint, if one is left; returns how many are open now. Opening twice at once opens one."""
    total = len(hints_of(exercise))
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        opened = hints_opened(enrollment, exercise)
        if opened < total:
            HintReveal.objects.get_or_create(
                course=enrollment.course, student=enrollment.user, exercise=exercise, index=opened
            )
            opened += 1
    return opened


def solution_visible(enrollment: Enrollment, late: bool) -> bool:
    """Instructors always; students once the lesson's due date has passed (`late`; never without one)."""
    return enrollment.role == Enrollment.INSTRUCTOR or late


def grading_payload(submission: Submission) -> dict[str, Any]:
    """Everything a worker needs, and nothing it must not see (no ids of people, no keys)."""
    return {
        "submission_id": submission.pk,
        "exercise_id": submission.exercise.slug,
        "content_hash": submission.version.content_hash,
        "source": submission.source,
    }


def enqueue_grading(submission_id: int) -> bool:
    """Publish the grading task. If the broker is down the row stays queued; `requeue` retries it."""
    from config.celery import app

    submission = Submission.objects.select_related("exercise", "version").get(pk=submission_id)
    try:
        app.send_task(
            "grader.grade_submission",
            args=[grading_payload(submission)],
            queue=submission.queue,
            retry=True,
        )
    except Exception:  # noqa: BLE001 - kombu raises several types for an unreachable broker
        log.exception("could not publish grading task for submission %s; it stays queued", submission_id)
        return False
    return True


def mark_running(submission_id: int) -> bool:
    updated = Submission.objects.filter(pk=submission_id, status=Submission.Status.QUEUED).update(
        status=Submission.Status.RUNNING, started_at=timezone.now()
    )
    return bool(updated)


def _clean_report(report: Any, max_score: float) -> tuple[str, float, bool]:
    if not isinstance(report, dict):
        raise ValueError("report is not an object")
    status = report.get("status")
    if status not in engine.STATUSES:
        raise ValueError(f"unknown status {status!r}")
    score = report.get("score", 0)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        raise ValueError("score is not a number")
    # A report never raises a score beyond what the exercise version is worth.
    score = min(max(float(score), 0.0), max_score)
    charged = bool(report.get("charged", status != "sandbox_error"))
    return status, score, charged


def record_result(submission_id: int, report: dict[str, Any]) -> bool:
    """Store a worker's report once. Returns False if it was already recorded or is unusable."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None:
            log.warning("result for unknown submission %s dropped", submission_id)
            return False
        if submission.finished_at is not None:
            return False
        try:
            status, score, charged = _clean_report(report, submission.max_score)
        except ValueError as exc:
            log.error("malformed report for submission %s: %s", submission_id, exc)
            status, score, charged = Submission.Status.SANDBOX_ERROR, 0.0, False
            report = {"status": status, "checks": [], "message": {"pt": "Relatório inválido.", "en": "Invalid report."}}
        if report.get("content_hash") not in (None, submission.version.content_hash):
            log.error("report for submission %s graded another version", submission_id)
            status, score, charged = Submission.Status.SANDBOX_ERROR, 0.0, False
        now = timezone.now()
        submission.status = status
        submission.score = score
        submission.charged = charged
        submission.report = report
        submission.started_at = submission.started_at or now
        submission.finished_at = now
        submission.save(update_fields=["status", "score", "charged", "report", "started_at", "finished_at"])
    return True


def requeue_stale(older_than_seconds: int = 60) -> int:
    """Publish again the submissions still queued after a broker outage."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        Submission.objects.filter(status=Submission.Status.QUEUED, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if enqueue_grading(pk))


def quiz_params(exercise: Exercise, user_id: int) -> dict:
    version = exercise.current_version
    assert version is not None
    return quiz.params_for(version.data["quiz"], exercise.slug, f"user:{user_id}")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def answer_quiz(enrollment: Enrollment, exercise: Exercise, raw_answer: Any) -> QuizAnswer:
    """Grade in the request (nothing untrusted runs). MalformedAnswer leaves no trace."""
    version = exercise.current_version
    if exercise.kind != Exercise.QUIZ or version is None:
        raise InvalidSubmission(_("this is not a question"))
    spec = version.data["quiz"]
    if _has_nul(raw_answer):  # PostgreSQL cannot store U+0000 in text or JSON
        raise quiz.MalformedAnswer(
            "Sua resposta tem um caractere invisível (NUL) que não pode ser salvo; apague-o e envie de novo.",
            "Your answer has an invisible character (NUL) that cannot be saved; delete it and send again.",
        )
    params = quiz_params(exercise, enrollment.user_id)
    result = quiz.grade(spec, raw_answer, params)
    return QuizAnswer.objects.create(
        course=enrollment.course,
        student=enrollment.user,
        exercise=exercise,
        version=version,
        answer=raw_answer,
        params=params,
        score=result.score,
        max_score=result.max_score,
        correct=result.correct,
        feedback=result.feedback,
        provisional=bool(result.details.get("provisional")),
        details=result.details,
    )
