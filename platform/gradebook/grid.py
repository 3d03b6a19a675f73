"""The gradebook of a course: every student × every item, with the score that counts.

The numbers are the ones the student's own pages show (submissions.services.lesson_rows and
quiz_scores, with staff overrides from review.scores), computed for the whole class at once
from a fixed number of queries: the enrolments, the lessons, the items, the attempts of each
kind and the staff's score changes, whatever the number of students.

A cell also says how it came to be: `late_days` when the attempt that counts was sent late
under a penalty policy (it keeps its share), `practice` for work sent after the due date
that counts nothing, `overridden` when a staff score is in force on one of its attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.models import Exercise
from courses.models import Course, CourseLesson, Enrollment
from grader.quiz import base as quiz_base
from review.models import ScoreChange
from submissions.models import QuizAnswer, Submission
from submissions.services import quiz_policy


@dataclass
class Cell:
    score: float | None = None  # None: nothing on time counts yet
    attempts: int = 0  # on-time attempts
    practice: int = 0  # attempts after the due date (count nothing)
    late_days: int = 0  # the counted attempt was this many days late (penalty policy)
    overridden: bool = False
    link_pk: int | None = None  # the attempt a click on the cell opens (the counted one, else the latest)


@dataclass
class Column:
    exercise: Exercise
    max_score: float


@dataclass
class LessonGroup:
    course_lesson: CourseLesson
    columns: list[Column]

    @property
    def lesson(self):
        return self.course_lesson.lesson

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.columns), 4)


@dataclass
class StudentRow:
    user: object
    cells: dict[int, Cell]  # exercise id -> cell
    lesson_totals: dict[int, float] = field(default_factory=dict)  # lesson id -> total
    total: float = 0.0

    def cell(self, exercise_id: int) -> Cell:
        return self.cells.get(exercise_id) or Cell()

    @property
    def late(self) -> bool:
        return any(c.late_days or c.practice for c in self.cells.values())

    @property
    def overridden(self) -> bool:
        return any(c.overridden for c in self.cells.values())


@dataclass
class Gradebook:
    course: Course
    lessons: list[LessonGroup]
    rows: list[StudentRow]

    @property
    def columns(self) -> list[Column]:
        return [c for group in self.lessons for c in group.columns]

    @property
    def max_score(self) -> float:
        return round(sum(g.max_score for g in self.lessons), 4)


def _changes(course: Course) -> tuple[dict[int, float], set[int], dict[int, float], set[int]]:
    """From the course's score changes (one query, oldest first): for submissions and for quiz
    answers, the staff score that counts ({id: score}) and the ids with an override in force."""
    sub_score: dict[int, float] = {}
    sub_override: set[int] = set()
    ans_score: dict[int, float] = {}
    ans_override: set[int] = set()
    rows = (
        ScoreChange.objects.filter(course=course)
        .order_by("at", "pk")
        .values_list("submission_id", "quiz_answer_id", "kind", "new_score")
    )
    for submission_id, answer_id, kind, new_score in rows:
        if submission_id is not None:
            pk, scores, overrides = submission_id, sub_score, sub_override
        elif answer_id is not None:
            pk, scores, overrides = answer_id, ans_score, ans_override
        else:
            continue
        # As review.scores: the latest change wins; a revert hands the attempt back to the grader.
        if kind == ScoreChange.Kind.REVERT:
            scores.pop(pk, None)
            overrides.discard(pk)
        else:
            scores[pk] = new_score
            if kind == ScoreChange.Kind.OVERRIDE:
                overrides.add(pk)
    return sub_score, sub_override, ans_score, ans_override


def build(course: Course, lesson_slugs: set[str] | None = None) -> Gradebook:
    """The whole gradebook of a course (or of some of its lessons), students sorted by username."""
    course_lessons = list(CourseLesson.objects.filter(course=course).select_related("lesson").order_by("order", "pk"))
    if lesson_slugs is not None:
        course_lessons = [cl for cl in course_lessons if cl.lesson.slug in lesson_slugs]
    lesson_ids = [cl.lesson_id for cl in course_lessons]
    exercises = list(
        Exercise.objects.filter(lesson_id__in=lesson_ids, active=True, current_version__isnull=False)
        .select_related("current_version")
        .order_by("order", "pk")
    )
    groups = []
    for cl in course_lessons:
        columns = [Column(e, e.current_version.max_score) for e in exercises if e.lesson_id == cl.lesson_id]
        groups.append(LessonGroup(cl, columns))
    students = [
        e.user
        for e in Enrollment.objects.filter(course=course, role=Enrollment.STUDENT)
        .select_related("user")
        .order_by("user__username")
    ]
    rows = {user.pk: StudentRow(user, {}) for user in students}
    sub_score, sub_override, ans_score, ans_override = _changes(course)

    code = {e.id for e in exercises if e.kind == Exercise.CODE}
    quizzes = {e.id: e for e in exercises if e.kind == Exercise.QUIZ}
    if code and rows:
        attempts = Submission.objects.filter(course=course, exercise_id__in=code, student_id__in=rows).order_by(
            "created_at", "pk"
        )
        for pk, student_id, exercise_id, score, credit, late, days_late, charged in attempts.values_list(
            "pk", "student_id", "exercise_id", "score", "credit", "late", "days_late", "charged"
        ):
            cell = rows[student_id].cells.setdefault(exercise_id, Cell())
            cell.overridden = cell.overridden or pk in sub_override
            if late:
                cell.practice += 1
                cell.link_pk = cell.link_pk if cell.score is not None else pk
                continue
            if charged:
                cell.attempts += 1
            # The best on-time attempt counts, each with its late-penalty share (as lesson_rows).
            score = sub_score.get(pk, score)
            if score is None:
                continue
            counted = round(score * credit, 4)
            if cell.score is None or counted > cell.score:
                cell.score, cell.late_days, cell.link_pk = counted, days_late, pk
            elif cell.link_pk is None:
                cell.link_pk = pk
    if quizzes and rows:
        on_time: dict[tuple[int, int], list[float]] = {}
        answers = QuizAnswer.objects.filter(course=course, exercise_id__in=quizzes, student_id__in=rows).order_by(
            "created_at", "pk"
        )
        for pk, student_id, exercise_id, score, credit, late, days_late in answers.values_list(
            "pk", "student_id", "exercise_id", "score", "credit", "late", "days_late"
        ):
            cell = rows[student_id].cells.setdefault(exercise_id, Cell())
            cell.overridden = cell.overridden or pk in ans_override
            cell.link_pk = pk  # the latest answer
            if late:
                cell.practice += 1
                continue
            cell.attempts += 1
            cell.late_days = max(cell.late_days, days_late)
            on_time.setdefault((student_id, exercise_id), []).append(round(ans_score.get(pk, score) * credit, 4))
        policies = {exercise_id: quiz_policy(exercise, course) for exercise_id, exercise in quizzes.items()}
        for (student_id, exercise_id), credited in on_time.items():
            rows[student_id].cells[exercise_id].score = quiz_base.item_score(policies[exercise_id], credited)
    for row in rows.values():
        for group in groups:
            total = sum(row.cell(c.exercise.id).score or 0.0 for c in group.columns)
            row.lesson_totals[group.lesson.id] = round(total, 4)
        row.total = round(sum(row.lesson_totals.values()), 4)
    return Gradebook(course, groups, list(rows.values()))
