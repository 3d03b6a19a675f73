"""The review queue of a course: the attempts that need a human, and why.

Four reasons put an attempt in the queue:

- `provisional`: an on-time free-text answer whose rubric score nobody has confirmed or
  overridden yet (confirming or overriding clears QuizAnswer.provisional);
- `low_confidence`: one of those whose rubric reading is doubtful (LOW_CONFIDENCE below);
- `crashed`: a student's latest coding submission of an exercise that ended in an error,
  a limit or a grader failure, with no staff decision on it yet;
- `regrade`: a student's open regrade request.

The queue is built from ids and dates only (three queries whatever its size), sorted oldest
first; a page of it is then loaded with `load_page` (two more queries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from catalog.models import Exercise, Lesson
from courses.models import Course, Enrollment
from review.models import RegradeRequest, ScoreChange
from submissions.models import QuizAnswer, Submission

PROVISIONAL = "provisional"
LOW_CONFIDENCE = "low_confidence"
CRASHED = "crashed"
REGRADE = "regrade"
REASONS = {
    PROVISIONAL: _("provisional free-text score"),
    LOW_CONFIDENCE: _("low-confidence rubric score"),
    CRASHED: _("crashed or grader failure"),
    REGRADE: _("regrade request"),
}

CRASH_STATUSES = (
    Submission.Status.ERROR,
    Submission.Status.TIMEOUT,
    Submission.Status.MEMORY_LIMIT,
    Submission.Status.OUTPUT_LIMIT,
    Submission.Status.SANDBOX_ERROR,
)

# A rubric score is "low confidence" when the rubric engine itself had doubts (rubric.details):
# it raised a flag (the answer repeats words, or lists bare terms), it found both a concept and a
# misconception in the same answer (the student said a right and a wrong thing), or a grader that
# reports a `confidence` gave one under one half.
LOW_CONFIDENCE_Q = (
    Q(details__flags__0__isnull=False)
    | Q(details__concepts__0__isnull=False, details__misconceptions__0__isnull=False)
    | Q(details__confidence__lt=0.5)
)
LOW_CONFIDENCE_TEXT = _(
    "Low confidence: the rubric flagged the answer (repeated words, a list of bare terms), found a "
    "right idea and a misconception in the same answer, or reported a confidence under 50%."
)

ANSWER = "answer"
SUBMISSION = "submission"


@dataclass
class Entry:
    kind: str  # ANSWER or SUBMISSION
    pk: int
    at: datetime  # since when it waits
    reasons: set[str] = field(default_factory=set)
    item: QuizAnswer | Submission | None = None  # filled by load_page

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.pk)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[r]) for r in REASONS if r in self.reasons]


@dataclass
class Filters:
    lesson: Lesson | None = None
    exercise: Exercise | None = None
    student: object | None = None  # a user enrolled as a student
    reason: str = ""
    errors: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)  # what was asked, to keep in the form and links

    def q(self) -> Q:
        q = Q()
        if self.lesson is not None:
            q &= Q(exercise__lesson=self.lesson)
        if self.exercise is not None:
            q &= Q(exercise=self.exercise)
        if self.student is not None:
            q &= Q(student=self.student)
        return q


FILTER_NAMES = ("lesson", "item", "student", "reason")


def read_filters(course: Course, params) -> Filters:
    """The queue's filters from GET parameters; values that name nothing in this course become errors."""
    raw = {name: params.get(name, "").strip()[:150] for name in FILTER_NAMES}
    filters = Filters(raw={k: v for k, v in raw.items() if v})
    if raw["lesson"]:
        filters.lesson = Lesson.objects.filter(slug=raw["lesson"], courselesson__course=course).first()
        if filters.lesson is None:
            filters.errors.append(_("There is no lesson “%(value)s” in this course.") % {"value": raw["lesson"]})
    if raw["item"]:
        filters.exercise = Exercise.objects.filter(
            slug=raw["item"], active=True, lesson__courselesson__course=course
        ).first()
        if filters.exercise is None:
            filters.errors.append(_("There is no item “%(value)s” in this course.") % {"value": raw["item"]})
    if raw["student"]:
        enrollment = (
            Enrollment.objects.select_related("user")
            .filter(course=course, role=Enrollment.STUDENT, user__username=raw["student"])
            .first()
        )
        filters.student = enrollment.user if enrollment else None
        if enrollment is None:
            filters.errors.append(
                _("No student of this course has the username “%(value)s”.") % {"value": raw["student"]}
            )
    if raw["reason"]:
        if raw["reason"] in REASONS:
            filters.reason = raw["reason"]
        else:
            filters.errors.append(_("“%(value)s” is not a reason of the review queue.") % {"value": raw["reason"]})
    return filters


def entries(course: Course, filters: Filters | None = None) -> list[Entry]:
    """Every attempt waiting for a human in the course (as filtered), oldest first. Three queries."""
    filters = filters or Filters()
    where = filters.q()
    students = Enrollment.objects.filter(course=course, role=Enrollment.STUDENT).values("user_id")
    found: dict[tuple[str, int], Entry] = {}

    def add(kind: str, pk: int, at: datetime, reason: str) -> None:
        entry = found.setdefault((kind, pk), Entry(kind, pk, at))
        entry.at = min(entry.at, at)
        entry.reasons.add(reason)

    answers = (
        QuizAnswer.objects.filter(where, course=course, provisional=True, late=False, student__in=students)
        .annotate(low=Case(When(LOW_CONFIDENCE_Q, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .values_list("pk", "created_at", "low")
    )
    for pk, at, low in answers:
        add(ANSWER, pk, at, PROVISIONAL)
        if low:
            add(ANSWER, pk, at, LOW_CONFIDENCE)
    newer = Submission.objects.filter(
        course=OuterRef("course"),
        student=OuterRef("student"),
        exercise=OuterRef("exercise"),
        created_at__gt=OuterRef("created_at"),
    )
    decided = ScoreChange.objects.filter(submission=OuterRef("pk"))
    crashed = (
        Submission.objects.filter(where, course=course, status__in=CRASH_STATUSES, student__in=students)
        .exclude(Exists(newer))
        .exclude(Exists(decided))
        .values_list("pk", "created_at")
    )
    for pk, at in crashed:
        add(SUBMISSION, pk, at, CRASHED)
    requests = RegradeRequest.objects.filter(where, course=course, state=RegradeRequest.State.OPEN).values_list(
        "submission_id", "quiz_answer_id", "created_at"
    )
    for submission_id, answer_id, at in requests:
        if submission_id:
            add(SUBMISSION, submission_id, at, REGRADE)
        else:
            add(ANSWER, answer_id, at, REGRADE)
    listed = sorted(found.values(), key=lambda e: (e.at, e.kind, e.pk))
    if filters.reason:
        listed = [e for e in listed if filters.reason in e.reasons]
    return listed


def load_page(page: list[Entry]) -> list[Entry]:
    """Fill each entry's attempt, with its student and item (two queries for a page)."""
    related = ("student", "exercise__current_version", "exercise__lesson")
    answers = QuizAnswer.objects.select_related(*related).in_bulk([e.pk for e in page if e.kind == ANSWER])
    submissions = (
        Submission.objects.select_related(*related)
        .defer("source", "report")
        .in_bulk([e.pk for e in page if e.kind == SUBMISSION])
    )
    for entry in page:
        entry.item = answers.get(entry.pk) if entry.kind == ANSWER else submissions.get(entry.pk)
    return [e for e in page if e.item is not None]


def waiting(course: Course) -> int:
    """How many attempts wait in the course's queue (the course page's "Review (N waiting)")."""
    return len(entries(course))
