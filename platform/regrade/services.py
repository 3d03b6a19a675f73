"""Regrades: start one (a staff page), grade its items (workers), preview and apply it (a staff page).

Starting only selects the attempts and, once the transaction commits, publishes their grading:
coding submissions as `grader.regrade_submission` on the grading workers' `<queue>-regrade`
queue (which they read after their on-time and practice queues), quiz answers as one
`regrade.grade_quiz_items` task on the site's `bulk` queue (pure functions, no sandbox, never in
a web request). Results land on the items only (`record_item`, by the results consumer); the
attempts themselves change when an instructor applies the regrade, in one transaction.

What an attempt keeps: `charged`, `credit`, `late`, `days_late`, `attempt`, `finished_at` (so a
replayed live result is still ignored) and its overrides, unless the instructor drops them,
which records a revert in the audit trail. What it takes from the regrade: its score, report
(or a question's feedback and details), status and the exercise version it was graded against.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Exercise, ExerciseVersion
from courses import policies
from courses.models import Course, Enrollment
from grader import contract, quiz
from grader.quiz import base as quiz_base
from regrade.models import Regrade, RegradeItem
from review import scores as review_scores
from review.models import ScoreChange
from submissions.models import QuizAnswer, Submission

log = logging.getLogger(__name__)

CODE_TASK = contract.REGRADE_TASK
RECORD_TASK = contract.RECORD_REGRADE_TASK
QUIZ_TASK = "regrade.grade_quiz_items"
QUIZ_QUEUE = "bulk"
SUFFIX = "-regrade"
# The grader's own failures (sandbox_error) were never charged and never told the student a
# score: a regrade leaves them to the operations page's re-send.
ELIGIBLE = sorted(Submission.FINAL - {Submission.Status.SANDBOX_ERROR})


class RegradeRefused(ValueError):
    """A request that cannot be carried out as asked: shown to the instructor, nothing changed."""


def regrade_queue(version: ExerciseVersion) -> str:
    """`cpu-regrade` or `gpu-regrade`: the workers read it after their on-time and practice queues."""
    return version.queue + SUFFIX


def students_of(course: Course):
    return Enrollment.objects.filter(course=course, role=Enrollment.STUDENT).values("user_id")


def candidates(course: Course, exercise: Exercise):
    """The attempts a regrade may cover: students' final submissions, or students' quiz answers."""
    if exercise.kind == Exercise.CODE:
        return Submission.objects.filter(
            course=course, exercise=exercise, student__in=students_of(course), status__in=ELIGIBLE
        )
    return QuizAnswer.objects.filter(course=course, exercise=exercise, student__in=students_of(course))


def active_regrade(course: Course, exercise: Exercise) -> Regrade | None:
    return Regrade.objects.filter(course=course, exercise=exercise, status__in=Regrade.ACTIVE).first()


def start(
    course: Course,
    exercise: Exercise,
    by,
    scope: str = Regrade.Scope.ALL,
    student_ids: Iterable[int] | None = None,
) -> Regrade:
    """A new regrade of the exercise's attempts in this course, published once the transaction commits."""
    version = exercise.current_version
    if version is None:
        raise RegradeRefused(_("This exercise has no content to grade against."))
    if scope not in Regrade.Scope.values:
        raise RegradeRefused(_("Choose which attempts to regrade."))
    attempts = candidates(course, exercise)
    if scope == Regrade.Scope.OLDER:
        attempts = attempts.exclude(version=version)
    elif scope == Regrade.Scope.STUDENTS:
        chosen = sorted(set(student_ids or ()))
        if not chosen:
            raise RegradeRefused(_("Choose at least one student."))
        attempts = attempts.filter(student_id__in=chosen)
    rows = list(attempts.order_by("pk").values_list("pk", "student_id", "score"))
    if not rows:
        raise RegradeRefused(_("There is nothing to regrade: no attempt matches."))
    field_name = "submission_id" if exercise.kind == Exercise.CODE else "quiz_answer_id"
    try:
        with transaction.atomic():
            regrade = Regrade.objects.create(
                course=course, exercise=exercise, version=version, scope=scope, total=len(rows), created_by=by
            )
            RegradeItem.objects.bulk_create(
                RegradeItem(regrade=regrade, student_id=student_id, old_score=score, **{field_name: pk})
                for pk, student_id, score in rows
            )
    except IntegrityError as exc:  # the partial unique constraint: one active regrade per exercise
        raise RegradeRefused(_("A regrade of this exercise is already in progress: apply or cancel it first.")) from exc
    transaction.on_commit(lambda: enqueue(regrade.pk))
    return regrade


def code_payload(item: RegradeItem, version: ExerciseVersion) -> dict[str, Any]:
    """What a grading worker needs: the item's id, the version to grade against, the code. No people."""
    return {
        "item_id": item.pk,
        "exercise_id": item.submission.exercise.slug,
        "content_hash": version.content_hash,
        "source": item.submission.source,
        # Comes back with the report; a report without it is refused (record_item).
        "token": item.token,
    }


def enqueue(regrade_id: int) -> bool:
    """Publish the regrade's grading. Items the broker refused become errors, so the regrade still ends."""
    from config.celery import app

    regrade = Regrade.objects.select_related("version", "exercise").get(pk=regrade_id)
    pending = regrade.items.filter(state=RegradeItem.State.PENDING)
    try:
        if regrade.is_code:
            queue = regrade_queue(regrade.version)
            for item in pending.select_related("submission__exercise"):
                app.send_task(CODE_TASK, args=[code_payload(item, regrade.version)], queue=queue, retry=True)
        else:
            app.send_task(QUIZ_TASK, args=[regrade_id], queue=QUIZ_QUEUE, retry=True)
    except Exception:  # noqa: BLE001 - kombu raises several types for an unreachable broker
        log.exception("could not publish regrade %s", regrade_id)
        with transaction.atomic():
            Regrade.objects.select_for_update().filter(pk=regrade_id).first()
            # Every item still waiting is given up, those published before the failure too (their
            # results are then ignored): the preview says so, and the instructor starts again.
            pending.update(
                state=RegradeItem.State.ERROR, error="the task queue is unreachable", finished_at=timezone.now()
            )
            _ready_if_done(regrade)
        return False
    return True


@dataclass
class Outcome:
    state: str
    new_score: float | None = None
    new_status: str = ""
    new_report: dict | None = None
    error: str = ""


def _store(item_id: int, outcome_of, token: str | None = None) -> bool:
    """Store one item's outcome once, while its regrade is still grading. Returns False when ignored.

    The regrade's row is locked first, so two results recorded at once (several consumer
    processes) cannot both miss that they were the last one.
    """
    with transaction.atomic():
        regrade_id = RegradeItem.objects.filter(pk=item_id).values_list("regrade_id", flat=True).first()
        if regrade_id is None:
            log.warning("regrade result for unknown item %s dropped", item_id)
            return False
        regrade = Regrade.objects.select_for_update().get(pk=regrade_id)
        if regrade.status != Regrade.Status.RUNNING:
            return False  # applied or cancelled meanwhile: too late to count
        item = RegradeItem.objects.select_for_update().get(pk=item_id)
        if token is not None and not contract.token_matches(item.token, token):
            log.error("regrade result for item %s refused: it does not carry that item's token", item_id)
            return False
        if item.state != RegradeItem.State.PENDING:
            return False  # a replayed message
        version = ExerciseVersion.objects.get(pk=regrade.version_id)
        outcome = outcome_of(item, version)
        item.state = outcome.state
        item.new_score = outcome.new_score
        item.new_status = outcome.new_status
        item.new_report = outcome.new_report
        item.error = outcome.error[:500]
        item.finished_at = timezone.now()
        item.save(update_fields=["state", "new_score", "new_status", "new_report", "error", "finished_at"])
        _ready_if_done(regrade)
    return True


def _ready_if_done(regrade: Regrade) -> None:
    """Called under the regrade's lock."""
    if regrade.status == Regrade.Status.RUNNING and not regrade.items.filter(state=RegradeItem.State.PENDING).exists():
        Regrade.objects.filter(pk=regrade.pk).update(status=Regrade.Status.READY)
        regrade.status = Regrade.Status.READY


def record_item(item_id: int, report: Any, token: str) -> bool:
    """A grading worker's report for one code item (the results consumer calls this), with the
    item's token from its task: without it the report is refused."""

    def outcome(item: RegradeItem, version: ExerciseVersion) -> Outcome:
        try:
            parsed = contract.parse_report(report)
        except contract.InvalidReport as exc:
            log.error("malformed regrade report for item %s: %s", item_id, exc)
            return Outcome(RegradeItem.State.ERROR, error="malformed report")
        status, score = parsed.status, parsed.capped_score(version.max_score)
        if parsed.content_hash not in (None, version.content_hash):
            return Outcome(RegradeItem.State.ERROR, error="the worker graded another version of the exercise")
        if status == Submission.Status.SANDBOX_ERROR:
            message = report.get("message") or {}
            text = message.get("en") if isinstance(message, dict) else ""
            return Outcome(RegradeItem.State.ERROR, error=f"grader unavailable: {text or 'sandbox_error'}")
        return Outcome(RegradeItem.State.DONE, new_score=score, new_status=status, new_report=report)

    return _store(item_id, outcome, token=token)


def grade_quiz_items(regrade_id: int) -> int:
    """Grade a regrade's quiz answers against its version (the `bulk` worker). Returns how many it stored."""
    regrade = Regrade.objects.filter(pk=regrade_id).select_related("version").first()
    if regrade is None or regrade.status != Regrade.Status.RUNNING or regrade.is_code:
        return 0
    spec = regrade.version.data["quiz"]

    def outcome(item: RegradeItem, version: ExerciseVersion) -> Outcome:
        answer = QuizAnswer.objects.get(pk=item.quiz_answer_id)
        try:
            result = quiz.grade(spec, answer.answer, answer.params)
        except quiz.MalformedAnswer as exc:
            return Outcome(RegradeItem.State.ERROR, error=f"the answer no longer reads: {exc}")
        except Exception as exc:  # noqa: BLE001 - a bug in an item type must not stop the others
            log.exception("regrading quiz answer %s failed", answer.pk)
            return Outcome(RegradeItem.State.ERROR, error=f"{type(exc).__name__}: {exc}")
        return Outcome(
            RegradeItem.State.DONE,
            new_score=min(max(float(result.score), 0.0), float(result.max_score)),
            new_status="correct" if result.correct else "wrong",
            new_report={
                "correct": bool(result.correct),
                "feedback": result.feedback,
                "explanation": result.explanation,
                "details": result.details,
                "max_score": float(result.max_score),
            },
        )

    pending = regrade.items.filter(state=RegradeItem.State.PENDING).values_list("pk", flat=True)
    return sum(_store(item_id, outcome) for item_id in list(pending))


# --- the preview ------------------------------------------------------------------------------


@dataclass
class AttemptLine:
    """One attempt of a student on the exercise, regraded or not, as the preview lists it."""

    pk: int
    created_at: Any
    late: bool
    credit: float
    old_score: float | None
    new_score: float | None  # what the regrade gives it (None: not in the regrade, pending or error)
    state: str  # "" when the attempt is not in this regrade
    override: float | None  # the staff's score in force
    error: str = ""

    @property
    def in_regrade(self) -> bool:
        return bool(self.state)

    @property
    def direction(self) -> str:
        return _direction(self.old_score, self.new_score if self.state == RegradeItem.State.DONE else self.old_score)


@dataclass
class StudentLine:
    student: Any
    old: float | None  # what the item counts for the student now
    new: float | None  # what it would count once applied
    attempts: list[AttemptLine] = field(default_factory=list)
    pending: bool = False

    @property
    def direction(self) -> str:
        return "pending" if self.pending else _direction(self.old, self.new)


@dataclass
class Preview:
    regrade: Regrade
    drop_overrides: bool
    students: list[StudentLine]
    done: int
    pending: int
    errors: int
    counts: dict[str, int]
    overrides: int  # regraded attempts carrying a staff score

    @property
    def finished(self) -> int:
        return self.done + self.errors

    @property
    def percent(self) -> int:
        total = self.regrade.total
        return round(100 * self.finished / total) if total else 100


def _direction(old: float | None, new: float | None) -> str:
    if old is None and new is None:
        return "same"
    if old is None:
        return "up"
    if new is None:
        return "down"
    if round(new, 4) > round(old, 4):
        return "up"
    if round(new, 4) < round(old, 4):
        return "down"
    return "same"


def overrides_in_force(regrade: Regrade, attempt_field: str, student_ids) -> dict[int, float]:
    """{attempt id: staff score that counts} for these students on the regrade's exercise (one query).

    The latest change of an attempt wins, as in `review.scores`: an override or a confirm sets
    the score, a revert hands it back to the grader.
    """
    rows = ScoreChange.objects.filter(
        course_id=regrade.course_id,
        exercise_id=regrade.exercise_id,
        student_id__in=list(student_ids),
        **{f"{attempt_field}__isnull": False},
    ).order_by("at", "pk")
    key = f"{attempt_field}_id"
    return review_scores.in_force(rows.values(key, "kind", "new_score"), key)


def _counted(value: float | None, credit: float, late: bool) -> float | None:
    if value is None:
        return None
    return 0.0 if late else round(value * credit, 4)


def preview(regrade: Regrade, drop_overrides: bool = False) -> Preview:
    """Old and new counted scores per student, with each attempt's, in a fixed number of queries."""
    items = list(regrade.items.select_related("student"))
    by_attempt = {item.attempt_id: item for item in items}
    students = {}
    for item in items:
        students.setdefault(item.student_id, item.student)
    code = regrade.is_code
    model = Submission if code else QuizAnswer
    attempt_field = "submission" if code else "quiz_answer"
    attempts = (
        model.objects.filter(course_id=regrade.course_id, exercise_id=regrade.exercise_id, student_id__in=students)
        .order_by("created_at", "pk")
        .only("pk", "student_id", "score", "credit", "late", "created_at")
    )
    overrides = overrides_in_force(regrade, attempt_field, students)
    policy = None
    if not code:
        spec = regrade.version.data["quiz"]
        policy = policies.quiz_policy(quiz_base.attempt_policy(quiz.item_type(spec["type"]), spec), regrade.course)
    lines: dict[int, list[AttemptLine]] = {pk: [] for pk in students}
    for attempt in attempts:
        item = by_attempt.get(attempt.pk)
        lines[attempt.student_id].append(
            AttemptLine(
                pk=attempt.pk,
                created_at=attempt.created_at,
                late=attempt.late,
                credit=attempt.credit,
                old_score=attempt.score,
                new_score=item.new_score if item and item.state == RegradeItem.State.DONE else None,
                state=item.state if item else "",
                override=overrides.get(attempt.pk),
                error=item.error if item else "",
            )
        )
    rows = []
    counts = {"up": 0, "down": 0, "same": 0, "pending": 0}
    for student_id, student in sorted(students.items(), key=lambda kv: (kv[1].username, kv[0])):
        old_values, new_values = [], []
        for line in lines[student_id]:
            regraded = line.state == RegradeItem.State.DONE
            old = line.override if line.override is not None else line.old_score
            new = line.new_score if regraded and (drop_overrides or line.override is None) else old
            old_values.append(_counted(old, line.credit, line.late))
            new_values.append(_counted(new, line.credit, line.late))
        row = StudentLine(
            student=student,
            old=_item_score(code, policy, old_values, lines[student_id]),
            new=_item_score(code, policy, new_values, lines[student_id]),
            attempts=lines[student_id],
            pending=any(line.state == RegradeItem.State.PENDING for line in lines[student_id]),
        )
        counts[row.direction] += 1
        rows.append(row)
    states = [item.state for item in items]
    return Preview(
        regrade=regrade,
        drop_overrides=drop_overrides,
        students=rows,
        done=states.count(RegradeItem.State.DONE),
        pending=states.count(RegradeItem.State.PENDING),
        errors=states.count(RegradeItem.State.ERROR),
        counts=counts,
        overrides=sum(1 for pk in by_attempt if pk in overrides),
    )


def _item_score(code: bool, policy: dict | None, counted: list[float | None], lines: list[AttemptLine]):
    """What the item counts: for code the best on-time attempt (as `lesson_rows`), for a question its policy."""
    if code:
        values = [value for value, line in zip(counted, lines, strict=True) if value is not None and not line.late]
        return max(values) if values else None
    on_time = [value for value, line in zip(counted, lines, strict=True) if not line.late and value is not None]
    return quiz_base.item_score(policy, on_time)


def progress(regrade: Regrade) -> dict[str, Any]:
    states = dict(regrade.items.order_by().values_list("state").annotate(n=Count("pk")))
    done = states.get(RegradeItem.State.DONE, 0)
    errors = states.get(RegradeItem.State.ERROR, 0)
    return {
        "status": regrade.status,
        "total": regrade.total,
        "done": done,
        "errors": errors,
        "pending": states.get(RegradeItem.State.PENDING, 0),
        "finished": done + errors,
    }


# --- apply and cancel -------------------------------------------------------------------------


def _apply_submission(submission: Submission, item: RegradeItem, version: ExerciseVersion) -> None:
    report = dict(item.new_report or {})
    old = submission.report or {}
    if "progress_series" in old and "progress_series" not in report:
        # A regrade trains without the live chart: the student keeps the curve of the run they watched.
        report["progress_series"] = old["progress_series"]
    submission.score = item.new_score
    submission.status = item.new_status
    submission.report = report
    submission.version_id = version.pk
    submission.max_score = version.max_score
    submission.save(update_fields=["score", "status", "report", "version", "max_score"])


def _apply_answer(answer: QuizAnswer, item: RegradeItem, version: ExerciseVersion, reviewed: bool) -> None:
    report = item.new_report or {}
    answer.score = item.new_score
    answer.max_score = float(report.get("max_score", answer.max_score))
    answer.correct = bool(report.get("correct"))
    answer.feedback = report.get("feedback") or {}
    answer.explanation = report.get("explanation") or {}
    answer.details = report.get("details") or {}
    # A staff decision kept in force is a human's reading: the new score is no longer waiting for one.
    answer.provisional = bool(answer.details.get("provisional")) and not reviewed
    answer.version_id = version.pk
    answer.save(
        update_fields=[
            "score",
            "max_score",
            "correct",
            "feedback",
            "explanation",
            "details",
            "provisional",
            "version",
        ]
    )


def apply_item(regrade: Regrade, item: RegradeItem, attempt, version, overrides, keep: bool, by, reason: str) -> None:
    """Write one item's grade onto its attempt (inside `apply`'s transaction)."""
    overridden = attempt.pk in overrides
    if regrade.is_code:
        _apply_submission(attempt, item, version)
    else:
        _apply_answer(attempt, item, version, reviewed=overridden and keep)
    if overridden and not keep:
        ScoreChange.objects.create(
            course_id=attempt.course_id,
            student_id=attempt.student_id,
            exercise_id=attempt.exercise_id,
            kind=ScoreChange.Kind.REVERT,
            old_score=overrides[attempt.pk],
            new_score=item.new_score,
            reason=reason,
            by=by,
            **{"submission" if regrade.is_code else "quiz_answer": attempt},
        )


def apply(regrade_id: int, by, keep_overrides: bool = True, reason: str = "") -> Regrade:
    """Write every graded item onto its attempt, all or nothing. A second apply is refused, changing nothing."""
    with transaction.atomic():
        regrade = Regrade.objects.select_for_update().filter(pk=regrade_id).first()
        if regrade is None:
            raise RegradeRefused(_("This regrade does not exist."))
        if regrade.status == Regrade.Status.APPLIED:
            raise RegradeRefused(_("This regrade was already applied; nothing changed."))
        if regrade.status == Regrade.Status.CANCELLED:
            raise RegradeRefused(_("This regrade was cancelled; start a new one."))
        if regrade.status == Regrade.Status.RUNNING:
            info = progress(regrade)
            raise RegradeRefused(
                _("Still grading (%(finished)d of %(total)d): apply once every attempt is graded.") % info
            )
        exercise = Exercise.objects.get(pk=regrade.exercise_id)
        if exercise.current_version_id != regrade.version_id:
            raise RegradeRefused(_("The exercise changed again since this regrade started: cancel it and start anew."))
        version = ExerciseVersion.objects.get(pk=regrade.version_id)
        reason = reason.strip()[:500] or _("Overrides dropped by regrade #%(id)d") % {"id": regrade.pk}
        items = list(regrade.items.filter(state=RegradeItem.State.DONE).order_by("pk"))
        code = regrade.is_code
        model = Submission if code else QuizAnswer
        # The attempts' rows, locked in order, as record_result and the review's decisions lock them.
        locked = {
            attempt.pk: attempt
            for attempt in model.objects.select_for_update()
            .filter(pk__in=[item.attempt_id for item in items])
            .order_by("pk")
        }
        overrides = overrides_in_force(regrade, "submission" if code else "quiz_answer", {i.student_id for i in items})
        for item in items:
            attempt = locked.get(item.attempt_id)
            if attempt is not None:
                apply_item(regrade, item, attempt, version, overrides, keep_overrides, by, reason)
        regrade.status = Regrade.Status.APPLIED
        regrade.applied_by = by
        regrade.applied_at = timezone.now()
        regrade.keep_overrides = keep_overrides
        regrade.save(update_fields=["status", "applied_by", "applied_at", "keep_overrides"])
    return regrade


def cancel(regrade_id: int) -> Regrade:
    with transaction.atomic():
        regrade = Regrade.objects.select_for_update().filter(pk=regrade_id).first()
        if regrade is None:
            raise RegradeRefused(_("This regrade does not exist."))
        if not regrade.is_active:
            raise RegradeRefused(_("Only a regrade not applied yet can be cancelled."))
        regrade.status = Regrade.Status.CANCELLED
        regrade.cancelled_at = timezone.now()
        regrade.save(update_fields=["status", "cancelled_at"])
    return regrade
