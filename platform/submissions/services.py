"""Submission logic that views, tasks and tests all call.

A coding submission is saved first (queued) and its grading task is published
only after the transaction commits, so a worker never looks for a row that is
not there yet. Results come back on the `results` queue; recording one twice
changes nothing.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Exercise, pick_language
from config.prepared import Prepared
from courses import deadlines, policies
from courses.models import Course, CourseLesson, Enrollment
from grader import contract, quiz
from grader.contract import MAX_SOURCE_BYTES
from grader.quiz import base as quiz_base
from review import scores as review_scores
from submissions.models import HintReveal, QuizAnswer, Submission

log = logging.getLogger(__name__)

# One student's work in a course is written under a lock on their enrolment row (inside the
# caller's transaction): two quick clicks cannot both take the last attempt.
_ENROLLMENT_ROW = Prepared(lambda pk: Enrollment.objects.select_for_update().filter(pk=pk), "enrollment")


def lock_enrollment(enrollment: Enrollment) -> None:
    _ENROLLMENT_ROW(enrollment.pk)


# The student's answers on one item, newest first: on every question page, answer and verdict.
_ANSWERS_OF = Prepared(
    lambda course, student, exercise: QuizAnswer.objects.filter(course=course, student=student, exercise=exercise),
    "course",
    "student",
    "exercise",
)


class InvalidSubmission(ValueError):
    """Bad input from the student: shown as a form error, nothing saved, nothing charged."""


def submit_code(enrollment: Enrollment, exercise: Exercise, source: str | bytes) -> Submission:
    version = exercise.current_version
    if exercise.kind != Exercise.CODE or version is None:
        raise InvalidSubmission(_("this is not a coding exercise"))
    try:
        text = contract.check_source(source)
    except contract.SourceRejected as exc:
        reasons = {
            "too_large": _("the code is larger than %(limit)d KiB") % {"limit": MAX_SOURCE_BYTES // 1024},
            "nul_byte": _("the code contains a NUL byte"),
            "not_utf8": _("the file is not UTF-8 text"),
        }
        raise InvalidSubmission(reasons[exc.reason]) from exc
    # A browser's form posts a textarea's lines ending in CRLF: store them as the editor shows them.
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise InvalidSubmission(_("the code is empty"))
    with transaction.atomic():
        # One submission at a time per student and course: two quick clicks cannot both take the last attempt.
        lock_enrollment(enrollment)
        deadline = late_policy_for(enrollment.course, exercise, enrollment.user)
        refusal = None if enrollment.is_staff_role else date_refusal(deadline)
        if refusal:
            raise InvalidSubmission(pick_language(refusal))
        late = deadline.practice()
        limit = attempt_limit(exercise, enrollment.course)
        if not late and limit and attempts_used(enrollment, exercise) >= limit:
            raise InvalidSubmission(
                _("you have used all %(limit)d attempts for this exercise; after the due date you may still practice")
                % {"limit": limit}
            )
        active = _check_active(enrollment, exercise)
        # Work that counts goes first, one submission per student: a second one while the student's
        # first still waits or runs queues behind everyone's first, with practice.
        practice = late or enrollment.is_staff_role
        second = not practice and active.exclude(queue__endswith=LOW_PRIORITY).exists()
        submission = Submission.objects.create(
            course=enrollment.course,
            student=enrollment.user,
            exercise=exercise,
            version=version,
            source=text,
            queue=grading_queue(version.queue, practice or second),
            max_score=version.max_score,
            late=late,
            days_late=deadline.days_late(),
            credit=0.0 if late else deadline.credit(),
            token=contract.new_token(),
        )
        transaction.on_commit(lambda: enqueue_grading(submission.pk))
    return submission


LOW_PRIORITY = "-low"


def grading_queue(queue: str, practice: bool) -> str:
    """Where a submission waits: work that counts on the exercise's queue; practice (late, or an
    instructor's try) and a student's second submission while the first is still active on its
    `-low` twin, which workers read only when the first is empty."""
    return queue + LOW_PRIORITY if practice else queue


def _check_active(enrollment: Enrollment, exercise: Exercise):
    """Refuse a submission beyond the student's share of the queues (called under the enrollment's lock).

    Returns the student's submissions waiting or being graded now.
    """
    since = timezone.now() - timezone.timedelta(minutes=settings.SUBMISSIONS_ACTIVE_WINDOW_MINUTES)
    active = Submission.objects.filter(
        student=enrollment.user,
        status__in=(Submission.Status.QUEUED, Submission.Status.RUNNING),
        created_at__gte=since,
    )
    per_exercise = settings.SUBMISSIONS_ACTIVE_PER_EXERCISE
    if active.filter(course=enrollment.course, exercise=exercise).count() >= per_exercise:
        raise InvalidSubmission(
            _("%(n)d submissions of this exercise are already waiting or being graded; wait for one to finish")
            % {"n": per_exercise}
        )
    per_student = settings.SUBMISSIONS_ACTIVE_PER_STUDENT
    if active.count() >= per_student:
        raise InvalidSubmission(
            _("you already have %(n)d submissions waiting or being graded; wait for one to finish") % {"n": per_student}
        )
    return active


def due_at(course: Course, exercise: Exercise) -> datetime | None:
    """The due date of the exercise's lesson in this course, if it has one."""
    row = CourseLesson.objects.filter(course=course, lesson_id=exercise.lesson_id).only("due_at").first()
    return row.due_at if row else None


def is_past(due: datetime | None) -> bool:
    return due is not None and timezone.now() >= due


def past_due(course: Course, exercise: Exercise) -> bool:
    return is_past(due_at(course, exercise))


def late_policy_for(course: Course, exercise: Exercise, student) -> deadlines.Deadline:
    """The student's dates on the exercise's lesson: open date, own due date (extension), late policy."""
    course_lesson = getattr(exercise, "course_lesson", None)  # read already by get_exercise_in_course
    if course_lesson is not None and course_lesson.course_id == course.pk:
        return deadlines.deadline_for(course_lesson, student)
    return deadlines.deadline_of(course, exercise.lesson_id, student)


def date_refusal(deadline: deadlines.Deadline) -> dict[str, str] | None:
    """Why a student's work is refused now (the lesson is not open yet, or closed after the due date), or None."""
    if not deadline.is_open():
        when = deadlines.local_text(deadline.opens_at)
        return {
            "pt": f"esta aula abre em {when}; antes disso nada pode ser enviado",
            "en": f"this lesson opens on {when}; nothing can be sent before that",
        }
    if deadline.closed():
        when = deadlines.local_text(deadline.due)
        return {
            "pt": f"o prazo ({when}) passou e esta aula não aceita mais envios",
            "en": f"the due date ({when}) has passed and this lesson accepts nothing more",
        }
    return None


def attempt_limit(exercise: Exercise, course: Course | None = None) -> int:
    """Charged submissions allowed before the due date (the course's limit, else the item's); 0: no limit."""
    version = exercise.current_version
    return policies.code_attempt_limit(int(version.data.get("attempts", 0)) if version else 0, course)


# The submissions that use an attempt: a grader failure (charged=False) and late practice do not.
USES_AN_ATTEMPT = Q(charged=True, late=False)


def attempts_used(enrollment: Enrollment, exercise: Exercise) -> int:
    return Submission.objects.filter(
        USES_AN_ATTEMPT, course=enrollment.course, student=enrollment.user, exercise=exercise
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
        lock_enrollment(enrollment)
        opened = hints_opened(enrollment, exercise)
        if opened < total:
            HintReveal.objects.get_or_create(
                course=enrollment.course, student=enrollment.user, exercise=exercise, index=opened
            )
            opened += 1
    return opened


def solution_visible(enrollment: Enrollment, late: bool) -> bool:
    """Staff always; students once the lesson's due date has passed (`late`; never without one)."""
    return enrollment.is_staff_role or late


def grading_payload(submission: Submission) -> dict[str, Any]:
    """Everything a worker needs, and nothing it must not see (no ids of people, no keys but its own token)."""
    return {
        "submission_id": submission.pk,
        "exercise_id": submission.exercise.slug,
        "content_hash": submission.version.content_hash,
        "source": submission.source,
        # Comes back with the result: a result without it is refused (record_result).
        "token": submission.token,
    }


def task_id_for(submission: Submission) -> str:
    """The id of the next grading task of this submission; the sweeper looks for it in the broker."""
    return f"grade-{submission.pk}-{submission.deliveries + 1}-{contract.new_token()[:8]}"


def enqueue_grading(submission_id: int) -> bool:
    """Publish the grading task and record that the broker took it (`published_at`, `task_id`,
    `deliveries`). If the broker is down the row stays queued and unpublished: the sweeper
    (submissions.sweeper) publishes it once the broker is back."""
    from config.celery import app

    submission = Submission.objects.select_related("exercise", "version").get(pk=submission_id)
    if submission.is_final:
        return False
    if not submission.token:
        # A row made before tokens existed (or by hand): it gets one before its task goes out.
        submission.token = contract.new_token()
        Submission.objects.filter(pk=submission_id, token="").update(token=submission.token)
        submission.refresh_from_db(fields=["token"])
    task_id = task_id_for(submission)
    try:
        app.send_task(
            contract.GRADE_TASK,
            args=[grading_payload(submission)],
            queue=submission.queue,
            task_id=task_id,
            retry=True,
        )
    except Exception:  # noqa: BLE001 - kombu raises several types for an unreachable broker
        log.warning("could not publish the grading task of submission %s; it stays queued", submission_id)
        return False
    try:
        Submission.objects.filter(pk=submission_id).update(
            published_at=timezone.now(), task_id=task_id, deliveries=F("deliveries") + 1
        )
    except DatabaseError:
        # Published, but not noted: the sweeper will find the task in the broker and leave it be.
        log.warning("submission %s was published but its delivery could not be recorded", submission_id)
    return True


# A submission not taken by the broker within this many seconds of being made is "delayed".
PUBLISH_EXPECTED_SECONDS = 5


def grading_delayed(submission: Submission, now: datetime | None = None) -> bool:
    """Not final, and either never taken by the broker (it was down) or sent again after a loss."""
    if submission.is_final:
        return False
    if submission.deliveries > 1:
        return True
    now = now or timezone.now()
    return submission.published_at is None and (now - submission.created_at).total_seconds() > PUBLISH_EXPECTED_SECONDS


def mark_running(submission_id: int, token: str) -> bool:
    """A worker took the submission: queued becomes running (only with the submission's token)."""
    expected = Submission.objects.filter(pk=submission_id).values_list("token", flat=True).first()
    if expected is None or not contract.token_matches(expected, token):
        return False
    updated = Submission.objects.filter(pk=submission_id, status=Submission.Status.QUEUED).update(
        status=Submission.Status.RUNNING, started_at=timezone.now()
    )
    return bool(updated)


def _invalid_report(reason: str) -> dict[str, Any]:
    return {
        "version": contract.REPORT_VERSION,
        "status": Submission.Status.SANDBOX_ERROR,
        "checks": [],
        "message": {"pt": "Relatório inválido do corretor.", "en": "Invalid report from the grader."},
        "internal_error": reason[:500],
    }


def record_result(submission_id: int, report: Any, token: str) -> bool:
    """Store a worker's report once. Returns False if it was already recorded, is refused or is unusable.

    Only a result carrying the token the site put in this submission's task is accepted (compared
    in constant time), so whoever can publish to the broker can at most report on work it was given.
    Raises DatabaseError when the database cannot be reached: the caller must not acknowledge it.
    """
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("version").filter(pk=submission_id).first()
        if submission is None:
            log.warning("result for unknown submission %s dropped", submission_id)
            return False
        if not contract.token_matches(submission.token, token):
            log.error("result for submission %s refused: it does not carry that submission's token", submission_id)
            return False
        if submission.finished_at is not None:
            return False
        try:
            parsed = contract.parse_report(report)
        except contract.InvalidReport as exc:
            log.error("malformed report for submission %s: %s", submission_id, exc)
            parsed, report = None, _invalid_report(str(exc))
        if parsed is None:
            status, score, charged = Submission.Status.SANDBOX_ERROR, 0.0, False
        elif parsed.content_hash not in (None, submission.version.content_hash):
            log.error("report for submission %s graded another version", submission_id)
            status, score, charged = Submission.Status.SANDBOX_ERROR, 0.0, False
        else:
            status, score, charged = parsed.status, parsed.capped_score(submission.max_score), parsed.is_charged
        now = timezone.now()
        submission.status = status
        submission.score = score
        submission.charged = charged
        submission.report = report
        submission.started_at = submission.started_at or now
        submission.finished_at = now
        submission.save(update_fields=["status", "score", "charged", "report", "started_at", "finished_at"])
    return True


# How long the results consumer keeps trying to store one result before handing it back to the
# broker (a retry, published before this message is acknowledged), and its waits between tries.
STORE_PATIENCE_SECONDS = 300
STORE_BACKOFF = (0.5, 1, 2, 4, 8, 15, 30)


def with_database(store, patience: float = STORE_PATIENCE_SECONDS, sleep=time.sleep):
    """Call `store()` until the database takes it, waiting longer each time (a locked SQLite
    file, a restarting PostgreSQL); re-raise the last DatabaseError once `patience` is spent."""
    deadline = time.monotonic() + patience
    for attempt in itertools.count():
        try:
            return store()
        except DatabaseError:
            wait = STORE_BACKOFF[min(attempt, len(STORE_BACKOFF) - 1)]
            if time.monotonic() + wait > deadline:
                raise
            log.warning("database unavailable; trying again in %s s", wait, exc_info=attempt == 0)
            sleep(wait)
            # A connection the server dropped is replaced on the next query.
            close_old_connections()


def student_key(user_id: int, variant: int = 0) -> str:
    """Whose numbers and shuffles: one student, one variant of the item (0 keeps the first numbers)."""
    return f"user:{user_id}" if variant == 0 else f"user:{user_id}:variant:{variant}"


def quiz_params(exercise: Exercise, user_id: int, variant: int = 0) -> dict:
    version = exercise.current_version
    assert version is not None
    return quiz.params_for(version.data["quiz"], exercise.slug, student_key(user_id, variant))


def quiz_policy(exercise: Exercise, course: Course | None = None) -> dict:
    """The item's attempt policy, with the course's choices (courses.policies) in place of its own."""
    version = exercise.current_version
    assert version is not None
    spec = version.data["quiz"]
    return policies.quiz_policy(quiz_base.attempt_policy(quiz.item_type(spec["type"]), spec), course)


@dataclass
class QuizState:
    """Where one student stands on one item: attempts, variant, the score that counts."""

    policy: dict
    due: datetime | None
    late: bool
    used: int  # on-time answers so far
    variant: int  # the numbers and shuffle the next answer is graded against
    seed: int
    params: dict
    score: float | None  # what the item counts toward the lesson (on-time answers only)
    answers: list[QuizAnswer] = field(default_factory=list)  # newest first
    deadline: deadlines.Deadline = deadlines.NO_DEADLINE
    score_changes: list = field(default_factory=list)  # the staff's changes to these answers, oldest first

    @property
    def left(self) -> int:
        return max(0, self.policy["max"] - self.used)

    @property
    def can_answer(self) -> bool:
        return self.late or self.left > 0

    @property
    def next_credit(self) -> float:
        if self.late:
            return 0.0
        # Under a penalty policy a late answer keeps its attempt's share times the late share.
        return round(quiz_base.attempt_credit(self.policy, self.used + 1) * self.deadline.credit(), 4)

    def reveals(self, answer: QuizAnswer) -> bool:
        """The explanation may show: the answer is right, no on-time attempt is left, or it is past due."""
        return answer.correct or self.late or self.left == 0


def quiz_state(enrollment: Enrollment, exercise: Exercise, deadline: deadlines.Deadline | None = None) -> QuizState:
    """The student's state on a quiz item; `deadline` when the caller has just read it (same request)."""
    version = exercise.current_version
    assert version is not None
    spec = version.data["quiz"]
    policy = quiz_policy(exercise, enrollment.course)
    deadline = deadline or late_policy_for(enrollment.course, exercise, enrollment.user)
    due = deadline.due
    late = deadline.practice()
    answers = _ANSWERS_OF(enrollment.course_id, enrollment.user_id, exercise.pk)
    on_time = [a for a in reversed(answers) if not a.late]
    # No answer yet, or no staff change ever on this student's work here: no query for it.
    changed = answers and enrollment.has_score_changes
    changes = review_scores.item_answer_changes(enrollment.course, enrollment.user, exercise) if changed else []
    overrides = review_scores.changes_in_force(changes)
    variant = 0
    if spec.get("generator") and policy["new_variant"]:
        # A wrong answer brings new numbers, so stepping one variant's value is no way to its key;
        # with no attempt left (and not yet practice) the page keeps the numbers last answered.
        variant = min(sum(1 for a in answers if not a.correct), 32767)
        if not late and len(on_time) >= policy["max"]:
            variant = answers[0].variant
    key = student_key(enrollment.user_id, variant)
    return QuizState(
        policy=policy,
        due=due,
        late=late,
        used=len(on_time),
        variant=variant,
        seed=quiz.seed_for(exercise.slug, key),
        params=quiz.params_for(spec, exercise.slug, key),
        # Staff overrides count in place of the grader's score (review.scores).
        score=quiz_base.item_score(policy, [review_scores.credited(a, overrides) for a in on_time]),
        answers=answers,
        deadline=deadline,
        score_changes=changes,
    )


def quiz_scores(course: Course, user, exercises: list[Exercise], changes: bool = True) -> dict[int, float]:
    """The score each quiz item counts toward the lesson, by exercise id, under its attempt policy.

    `changes`: whether staff may have changed the student's scores (Enrollment.has_score_changes);
    False reads no overrides."""
    quizzes = {e.id: e for e in exercises if e.kind == Exercise.QUIZ and e.current_version}
    on_time: dict[int, list[float]] = {}
    rows = QuizAnswer.objects.filter(course=course, student=user, exercise_id__in=quizzes, late=False).order_by(
        "created_at", "pk"
    )
    overrides = review_scores.answer_overrides(course, user, quizzes) if changes else {}
    for answer in rows:
        on_time.setdefault(answer.exercise_id, []).append(review_scores.credited(answer, overrides))
    scores = {}
    for exercise_id, credited in on_time.items():
        score = quiz_base.item_score(quiz_policy(quizzes[exercise_id], course), credited)
        if score is not None:
            scores[exercise_id] = score
    return scores


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def answer_quiz(
    enrollment: Enrollment,
    exercise: Exercise,
    raw_answer: Any,
    variant: int | None = None,
    deadline: deadlines.Deadline | None = None,
) -> QuizAnswer:
    """Grade in the request (nothing untrusted runs). MalformedAnswer leaves no trace and costs no attempt.

    `variant` is the one the page showed; when a wrong answer from another tab has brought new
    numbers since, the answer is refused rather than graded against numbers the student never saw.
    `deadline`: the student's dates, when the caller has just read them (same request); the
    answers already given are read again here, under the lock.
    """
    return _answer_quiz(enrollment, exercise, lambda seed: raw_answer, variant, deadline)


def answer_quiz_form(
    enrollment: Enrollment,
    exercise: Exercise,
    form,
    variant: int | None = None,
    deadline: deadlines.Deadline | None = None,
) -> QuizAnswer:
    """answer_quiz for a posted form, read with the shuffle of the student's current variant (its
    options post per-student tokens, not their ids): the state is read once, under the lock."""
    # (Not a question: _answer_quiz refuses it before reading anything.)
    spec = (exercise.current_version.data.get("quiz") if exercise.current_version else None) or {}

    def read(seed: int) -> Any:
        return quiz.item_type(spec["type"]).read_form(spec, form, seed=seed)

    return _answer_quiz(enrollment, exercise, read, variant, deadline)


MAX_ANSWER_CHARS = 4000


def _answer_quiz(
    enrollment: Enrollment,
    exercise: Exercise,
    read: Callable[[int], Any],
    variant: int | None,
    deadline: deadlines.Deadline | None,
) -> QuizAnswer:
    version = exercise.current_version
    if exercise.kind != Exercise.QUIZ or version is None:
        raise InvalidSubmission(_("this is not a question"))
    spec = version.data["quiz"]
    with transaction.atomic():
        # One answer at a time per student and course: two quick clicks cannot both take the last attempt.
        lock_enrollment(enrollment)
        recent = QuizAnswer.objects.filter(
            student=enrollment.user, created_at__gte=timezone.now() - timezone.timedelta(minutes=1)
        ).count()
        if recent >= settings.QUIZ_ANSWERS_PER_MINUTE:
            raise quiz.MalformedAnswer(
                "Muitas respostas em pouco tempo: espere um minuto e envie de novo (nada foi contado).",
                "Too many answers in a short time: wait a minute and send again (nothing was counted).",
            )
        state = quiz_state(enrollment, exercise, deadline)
        refusal = None if enrollment.is_staff_role else date_refusal(state.deadline)
        if refusal:
            raise quiz.MalformedAnswer(*(text[0].upper() + text[1:] + "." for text in (refusal["pt"], refusal["en"])))
        if variant is not None and variant != state.variant:
            raise quiz.MalformedAnswer(
                "Esta questão mudou desde que você abriu a página (outra aba?): leia-a de novo e responda.",
                "This question changed since you opened the page (another tab?): read it again and answer.",
            )
        if not state.can_answer:
            limit = state.policy["max"]
            raise quiz.MalformedAnswer(
                f"Você já usou as {limit} tentativas desta questão. Depois do prazo, pode praticar.",
                f"You have used all {limit} attempts at this question. After the due date you may practice.",
            )
        raw_answer = read(state.seed)
        if len(str(raw_answer)) > MAX_ANSWER_CHARS:
            raise quiz.MalformedAnswer("Resposta longa demais.", "Answer too long.")
        if _has_nul(raw_answer):  # PostgreSQL cannot store U+0000 in text or JSON
            raise quiz.MalformedAnswer(
                "Sua resposta tem um caractere invisível (NUL) que não pode ser salvo; apague-o e envie de novo.",
                "Your answer has an invisible character (NUL) that cannot be saved; delete it and send again.",
            )
        result = quiz.grade(spec, raw_answer, state.params)
        attempt = 0 if state.late else state.used + 1
        return QuizAnswer.objects.create(
            course=enrollment.course,
            student=enrollment.user,
            exercise=exercise,
            version=version,
            answer=raw_answer,
            params=state.params,
            score=result.score,
            max_score=result.max_score,
            correct=result.correct,
            feedback=result.feedback,
            explanation=result.explanation,
            provisional=bool(result.details.get("provisional")),
            details=result.details,
            late=state.late,
            attempt=attempt,
            credit=state.next_credit,
            variant=state.variant,
            days_late=state.deadline.days_late(),
        )


def credited_code_score(score: float | None, credit: float, late: bool, override: float | None = None) -> float | None:
    """What one coding submission counts toward its exercise: its score (the staff's when they set
    one) times the share its lateness keeps; None for late practice and for no score yet."""
    if late:
        return None
    # An override is the score before the attempt's late-penalty share, as for a question.
    score = override if override is not None else score
    return None if score is None else round(score * credit, 4)


# The attempt list shows the latest ATTEMPTS_SHOWN attempts, or on asking all of them up to
# ATTEMPTS_SHOWN_MAX (the compare form offers as many), so that no page grows without bound.
ATTEMPTS_SHOWN = 20
ATTEMPTS_SHOWN_MAX = 300


@dataclass(frozen=True)
class Counting:
    """Which of a student's submissions of one coding exercise counts, and what each one counts."""

    submission_id: int | None  # the best one (the earliest of equals); None: none counts yet
    score: float | None  # what the exercise counts toward the lesson, as lesson_rows says
    credited: dict[int, float | None]  # by submission id: what it counts (None: practice or no score)


def counting_submission(course: Course, user, exercise: Exercise, changes: bool = True) -> Counting:
    """The submission whose score counts for the exercise, with lesson_rows's arithmetic (two
    queries; one when `changes` says staff never changed the student's scores, as in quiz_scores)."""
    overrides = review_scores.submission_overrides(course, user, [exercise.id]) if changes else {}
    credited: dict[int, float | None] = {}
    best_id, best = None, None
    rows = Submission.objects.filter(course=course, student=user, exercise=exercise).order_by("created_at", "pk")
    for pk, score, credit, late in rows.values_list("pk", "score", "credit", "late"):
        counted = credited_code_score(score, credit, late, overrides.get(pk))
        credited[pk] = counted
        if counted is not None and (best is None or counted > best):
            best_id, best = pk, counted
    return Counting(best_id, best, credited)


@dataclass
class ItemRow:
    """One exercise of a lesson as its student sees it on the lesson page and the dashboard."""

    exercise: Exercise
    score: float | None  # what counts (on-time work, under the item's policy); None: nothing yet
    max_score: float
    attempts_left: int | None  # coding exercises with a limit; None: no limit or a question


def lesson_rows(course: Course, user, exercises: list[Exercise], changes: bool = True) -> list[ItemRow]:
    """Each exercise with the score that counts and, for code, the attempts left before the due
    date. `changes` as in quiz_scores."""
    code = {
        row["exercise_id"]: row
        for row in Submission.objects.filter(course=course, student=user, exercise__in=exercises)
        .values("exercise_id")
        .annotate(
            best=Max(F("score") * F("credit"), filter=Q(late=False)),
            used=Count("id", filter=USES_AN_ATTEMPT),
        )
    }
    # An overridden submission counts with the staff's score: recompute the best of those exercises.
    overrides = review_scores.submission_overrides(course, user, [e.id for e in exercises]) if changes else {}
    if overrides:
        best: dict[int, float] = {}
        on_time = Submission.objects.filter(course=course, student=user, exercise__in=exercises, late=False)
        for pk, exercise_id, score, credit in on_time.values_list("pk", "exercise_id", "score", "credit"):
            counted = credited_code_score(score, credit, False, overrides.get(pk))
            if counted is not None and (exercise_id not in best or counted > best[exercise_id]):
                best[exercise_id] = counted
        for exercise_id, row in code.items():
            row["best"] = best.get(exercise_id)
    quizzes = quiz_scores(course, user, exercises, changes)
    rows = []
    for exercise in exercises:
        version = exercise.current_version
        if exercise.kind == Exercise.CODE:
            stats = code.get(exercise.id, {})
            limit = attempt_limit(exercise, course)
            left = max(0, limit - stats.get("used", 0)) if limit else None
            rows.append(ItemRow(exercise, stats.get("best"), version.max_score if version else 0, left))
        else:
            rows.append(ItemRow(exercise, quizzes.get(exercise.id), version.max_score if version else 0, None))
    return rows


@dataclass
class LessonSummary:
    score: float
    max_score: float
    done: int
    total: int
    due_at: datetime | None
    past_due: bool

    @property
    def to_do(self) -> int:
        return self.total - self.done


def lesson_summary(rows: list[ItemRow], due: datetime | None) -> LessonSummary:
    done = [row for row in rows if row.score is not None]
    return LessonSummary(
        score=round(sum(row.score for row in done), 4),
        max_score=round(sum(row.max_score for row in rows), 4),
        done=len(done),
        total=len(rows),
        due_at=due,
        past_due=is_past(due),
    )


def queue_estimate(submission: Submission) -> tuple[int, float | None] | None:
    """For a queued submission: its place in the queue (1 = next) and an estimate in seconds.

    Practice on a `-low` queue also waits for everything queued on the on-time queue. The
    estimate is the place times the median grading time of the queue's last 20 graded
    submissions (None before there are any): what one worker would take.
    """
    if submission.status != Submission.Status.QUEUED:
        return None
    base = submission.queue.removesuffix(LOW_PRIORITY)
    ahead = Submission.objects.filter(status=Submission.Status.QUEUED, created_at__lt=submission.created_at)
    position = ahead.filter(queue=submission.queue).count() + 1
    if submission.queue != base:
        position += Submission.objects.filter(status=Submission.Status.QUEUED, queue=base).count()
    recent = (
        Submission.objects.filter(queue__in=(base, base + LOW_PRIORITY), status=Submission.Status.GRADED)
        .exclude(started_at=None)
        .exclude(finished_at=None)
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:20]
    )
    durations = sorted((finished - started).total_seconds() for started, finished in recent)
    if not durations:
        return position, None
    return position, round(position * durations[len(durations) // 2], 1)
