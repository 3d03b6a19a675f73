"""Statistics for a course's staff, from a fixed number of queries whatever the size of the class.

Every figure is about the course's students (role student): staff members' own tries are left
out. The score that counts is the one the lesson page shows (submissions.services.lesson_rows
and quiz_scores) with staff decisions in force (review.scores): a coding exercise's best on-time
submission times its credit, a question's on-time answers under its attempt policy. Attempts are
read once per page with values() and grouped here, never fetched student by student.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from catalog.models import Exercise, pick_language
from courses import policies
from courses.models import Course, CourseLesson, Enrollment
from grader import quiz
from grader.quiz import base as quiz_base
from review import scores as review_scores
from review.models import ScoreChange
from submissions.models import QuizAnswer, Submission

EPS = 1e-9
# The histogram's bars: ten of a tenth of the points each (the last up to, not including, full
# marks), then one for full marks.
BINS = 11
# The completion chart covers at most this many days (the latest ones).
MAX_DAYS = 400
TOP_ANSWERS = 10


@dataclass
class Attempt:
    """One coding submission or quiz answer, with the score staff decisions leave in force."""

    pk: int
    student: int
    created_at: datetime
    score: float | None
    max_score: float
    credit: float
    late: bool
    charged: bool
    correct: bool = False
    extra: dict = field(default_factory=dict)  # report, answer, details: on the item page only

    @property
    def full_marks(self) -> bool:
        """Graded at the attempt's full points (before an attempt's or a late day's share)."""
        return self.charged and self.score is not None and self.max_score > 0 and self.score >= self.max_score - EPS


def student_ids(course: Course) -> list[int]:
    return list(Enrollment.objects.filter(course=course, role=Enrollment.STUDENT).values_list("user_id", flat=True))


def _students_subquery(course: Course):
    return Enrollment.objects.filter(course=course, role=Enrollment.STUDENT).values("user_id")


def overrides(course: Course, exercise_ids: list[int]) -> tuple[dict[int, float], dict[int, float]]:
    """({submission id: score}, {quiz answer id: score}) in force for the course's items, in one query.

    As review.scores: the latest change of an attempt wins; a revert hands it back to the grader.
    """
    rows = list(
        ScoreChange.objects.filter(course=course, exercise_id__in=exercise_ids)
        .order_by("at", "pk")
        .values("submission_id", "quiz_answer_id", "kind", "new_score")
    )
    submissions = review_scores.in_force([r for r in rows if r["submission_id"]], "submission_id")
    answers = review_scores.in_force([r for r in rows if r["quiz_answer_id"]], "quiz_answer_id")
    return submissions, answers


def load_attempts(
    course: Course, exercises: list[Exercise], details: bool = False
) -> dict[int, dict[int, list[Attempt]]]:
    """{exercise id: {student id: attempts, oldest first}}: two queries, three with the overrides."""
    ids = [e.id for e in exercises]
    code_ids = [e.id for e in exercises if e.kind == Exercise.CODE]
    quiz_ids = [e.id for e in exercises if e.kind == Exercise.QUIZ]
    by_item: dict[int, dict[int, list[Attempt]]] = {e.id: defaultdict(list) for e in exercises}
    if not ids:
        return by_item
    changed_submissions, changed_answers = overrides(course, ids)
    students = _students_subquery(course)
    common = ["pk", "exercise_id", "student_id", "created_at", "score", "max_score", "credit", "late"]
    if code_ids:
        fields = common + ["charged", "status"] + (["report"] if details else [])
        rows = (
            Submission.objects.filter(course=course, exercise_id__in=code_ids, student_id__in=students)
            .order_by("created_at", "pk")
            .values(*fields)
        )
        for row in rows:
            extra = {"status": row["status"]}
            if details:
                extra["report"] = row["report"]
            by_item[row["exercise_id"]][row["student_id"]].append(
                Attempt(
                    pk=row["pk"],
                    student=row["student_id"],
                    created_at=row["created_at"],
                    score=changed_submissions.get(row["pk"], row["score"]),
                    max_score=row["max_score"],
                    credit=row["credit"],
                    late=row["late"],
                    charged=row["charged"],
                    extra=extra,
                )
            )
    if quiz_ids:
        fields = common + ["correct"] + (["answer", "details"] if details else [])
        rows = (
            QuizAnswer.objects.filter(course=course, exercise_id__in=quiz_ids, student_id__in=students)
            .order_by("created_at", "pk")
            .values(*fields)
        )
        for row in rows:
            extra = {"answer": row["answer"], "details": row["details"]} if details else {}
            by_item[row["exercise_id"]][row["student_id"]].append(
                Attempt(
                    pk=row["pk"],
                    student=row["student_id"],
                    created_at=row["created_at"],
                    score=changed_answers.get(row["pk"], row["score"]),
                    max_score=row["max_score"],
                    credit=row["credit"],
                    late=row["late"],
                    charged=True,
                    correct=row["correct"],
                    extra=extra,
                )
            )
    return by_item


def quiz_policy(exercise: Exercise, course: Course | None = None) -> dict | None:
    version = exercise.current_version
    if exercise.kind != Exercise.QUIZ or version is None:
        return None
    spec = version.data["quiz"]
    return policies.quiz_policy(quiz_base.attempt_policy(quiz.item_type(spec["type"]), spec), course)


def counted_score(exercise: Exercise, policy: dict | None, attempts: list[Attempt]) -> float | None:
    """What the item counts toward the student's lesson (None: nothing that counts yet)."""
    on_time = [a for a in attempts if not a.late and a.score is not None]
    credited = [round(a.score * a.credit, 4) for a in on_time]
    if exercise.kind == Exercise.CODE:
        return max(credited) if credited else None
    return quiz_base.item_score(policy, credited)


def counts_from(attempts: list[Attempt]) -> datetime | None:
    """When the student first had a score that counts on the item (their first on-time graded work)."""
    return next((a.created_at for a in attempts if not a.late and a.score is not None), None)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def bin_of(share: float) -> int:
    """The histogram bar of a share of the points: 0..9 for tenths below full marks, 10 for full marks."""
    if share >= 1 - EPS:
        return BINS - 1
    return max(0, min(BINS - 2, int(share * 10 + EPS)))


@dataclass
class ItemSummary:
    exercise: Exercise
    max_score: float
    enrolled: int
    attempts: int  # charged attempts, on time and late
    late_attempts: int
    tried: int  # students with any attempt
    scores: dict[int, float]  # student id -> counted score, for those who have one
    per_student: list[int]  # charged attempts of each student who made one

    @property
    def scored(self) -> int:
        return len(self.scores)

    @property
    def full(self) -> int:
        return sum(1 for s in self.scores.values() if self.max_score > 0 and s >= self.max_score - EPS)

    @property
    def mean(self) -> float | None:
        return _mean(list(self.scores.values()))

    @property
    def median(self) -> float | None:
        return _median(list(self.scores.values()))

    @property
    def median_attempts(self) -> float | None:
        return _median(self.per_student)

    @property
    def never_tried(self) -> int:
        return max(0, self.enrolled - self.tried)

    def histogram(self) -> list[int]:
        bins = [0] * BINS
        for score in self.scores.values():
            share = score / self.max_score if self.max_score > 0 else 0.0
            bins[bin_of(share)] += 1
        return bins


def summarize(
    exercise: Exercise, attempts: dict[int, list[Attempt]], enrolled: int, course: Course | None = None
) -> ItemSummary:
    policy = quiz_policy(exercise, course)
    scores: dict[int, float] = {}
    per_student: list[int] = []
    total = late = 0
    for student, theirs in attempts.items():
        charged = [a for a in theirs if a.charged]
        total += len(charged)
        late += sum(1 for a in charged if a.late)
        if charged:
            per_student.append(len(charged))
        score = counted_score(exercise, policy, theirs)
        if score is not None:
            scores[student] = score
    version = exercise.current_version
    return ItemSummary(
        exercise=exercise,
        max_score=version.max_score if version else 0.0,
        enrolled=enrolled,
        attempts=total,
        late_attempts=late,
        tried=sum(1 for theirs in attempts.values() if theirs),
        scores=scores,
        per_student=per_student,
    )


# --- time to first full marks -------------------------------------------------------------


@dataclass
class TimeToFull:
    durations: list[timedelta]  # one per student who reached full marks
    never: int  # students who tried and never did
    first_try: int  # of those who did: on their first attempt

    @property
    def reached(self) -> int:
        return len(self.durations)

    def quartiles(self) -> tuple[timedelta, timedelta, timedelta] | None:
        if not self.durations:
            return None
        seconds = sorted(d.total_seconds() for d in self.durations)
        if len(seconds) == 1:
            q1 = q2 = q3 = seconds[0]
        else:
            q1, q2, q3 = statistics.quantiles(seconds, n=4, method="inclusive")
        return tuple(timedelta(seconds=round(q)) for q in (q1, q2, q3))  # type: ignore[return-value]


def time_to_full(attempts: dict[int, list[Attempt]]) -> TimeToFull:
    """From each student's first attempt to their first attempt graded at full marks (late ones included)."""
    durations, never, first_try = [], 0, 0
    for theirs in attempts.values():
        charged = [a for a in theirs if a.charged]
        if not charged:
            continue
        full = next((a for a in charged if a.full_marks), None)
        if full is None:
            never += 1
            continue
        durations.append(full.created_at - charged[0].created_at)
        first_try += full is charged[0]
    return TimeToFull(durations, never, first_try)


# --- coding exercises: the checks that fail ----------------------------------------------


@dataclass
class CheckRow:
    name: str
    title: str
    graded: int  # graded attempts that ran this check
    failed: int
    students_failing: int  # students whose latest graded attempt fails it

    @property
    def share(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


def _report_checks(attempt: Attempt) -> list[dict]:
    report = attempt.extra.get("report")
    checks = report.get("checks") if isinstance(report, dict) else None
    if not isinstance(checks, list):
        return []
    return [c for c in checks if isinstance(c, dict) and isinstance(c.get("name"), str)]


def failing_checks(exercise: Exercise, attempts: dict[int, list[Attempt]]) -> list[CheckRow]:
    """Each check with how often the students' graded attempts failed it, the most failed first."""
    version = exercise.current_version
    declared = [c for c in (version.data.get("checks", []) if version else []) if isinstance(c, dict)]
    titles = {c.get("name"): pick_language(c.get("title") or {}) for c in declared}
    order = [c.get("name") for c in declared]
    graded: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    failing_now: Counter[str] = Counter()
    for theirs in attempts.values():
        latest: list[dict] = []
        for attempt in theirs:
            checks = _report_checks(attempt) if attempt.charged else []
            if not checks:
                continue
            latest = checks
            for check in checks:
                name = check["name"]
                graded[name] += 1
                failed[name] += not check.get("passed")
                if name not in titles and isinstance(check.get("title"), dict):
                    titles[name] = pick_language(check["title"])
        for check in latest:
            failing_now[check["name"]] += not check.get("passed")
    names = order + sorted(n for n in graded if n not in order)
    rows = [
        CheckRow(name, titles.get(name) or name, graded[name], failed[name], failing_now[name])
        for name in names
        if name in graded
    ]
    rank = {name: i for i, name in enumerate(names)}
    return sorted(rows, key=lambda r: (-r.failed, -r.students_failing, rank[r.name]))


# --- questions: options chosen, common answers, rubric findings ----------------------------


def _first_answers(attempts: dict[int, list[Attempt]]) -> list[Attempt]:
    return [theirs[0] for theirs in attempts.values() if theirs]


def _all_answers(attempts: dict[int, list[Attempt]]) -> list[Attempt]:
    return [a for theirs in attempts.values() for a in theirs]


def _chosen(kind: str, answer: Any) -> set[str]:
    if kind == "single_choice":
        return {answer} if isinstance(answer, str) else set()
    if isinstance(answer, str):
        return {answer}
    return {a for a in answer if isinstance(a, str)} if isinstance(answer, list) else set()


@dataclass
class OptionRow:
    id: str
    label: str
    key: bool
    first: int
    all: int


@dataclass
class Options:
    rows: list[OptionRow]
    first_total: int
    all_total: int


def option_counts(spec: dict, attempts: dict[int, list[Attempt]]) -> Options:
    """Choice items: how many answers chose each option, first answers and all answers."""
    kind = spec["type"]
    keyed = {spec["answer"]} if kind == "single_choice" else set(spec.get("answer") or [])
    first, every = _first_answers(attempts), _all_answers(attempts)
    first_counts = Counter(o for a in first for o in _chosen(kind, a.extra.get("answer")))
    all_counts = Counter(o for a in every for o in _chosen(kind, a.extra.get("answer")))
    rows = [
        OptionRow(
            option["id"],
            pick_language(option.get("text") or {}) or option["id"],
            option["id"] in keyed,
            first_counts[option["id"]],
            all_counts[option["id"]],
        )
        for option in spec.get("options", [])
    ]
    return Options(rows, len(first), len(every))


@dataclass
class MatchRow:
    label: str
    choices: list[tuple[str, int, bool]]  # (right-hand item, answers pairing it with this one, keyed), most first


@dataclass
class Matches:
    rows: list[MatchRow]
    total: int


def _item_label(item: dict) -> str:
    return pick_language(item.get("text") or {}) or item.get("code") or item["id"]


def match_counts(spec: dict, attempts: dict[int, list[Attempt]]) -> Matches:
    """Matching items: for each left-hand item, how many answers paired it with each right-hand one.

    Each left-hand item lists the right-hand ones some answer chose, and its key even when none did.
    """
    every = _all_answers(attempts)
    pairs = Counter(
        (left, right)
        for a in every
        if isinstance(a.extra.get("answer"), dict)
        for left, right in a.extra["answer"].items()
    )
    rows = []
    for left in spec.get("left", []):
        key = spec["answer"].get(left["id"])
        choices = [
            (_item_label(right), pairs[(left["id"], right["id"])], right["id"] == key)
            for right in spec.get("right", [])
            if pairs[(left["id"], right["id"])] or right["id"] == key
        ]
        rows.append(MatchRow(_item_label(left), sorted(choices, key=lambda c: (-c[1], not c[2]))))
    return Matches(rows, len(every))


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


@dataclass
class AnswerRow:
    text: str
    count: int
    students: int
    right: int  # of those answers, how many were graded right


def common_answers(spec: dict, attempts: dict[int, list[Attempt]], lang: str) -> tuple[list[AnswerRow], int]:
    """The most frequent answers (as the student saw them), all answers counted; and how many answers."""
    item = quiz.item_type(spec["type"])
    groups: dict[str, list[Attempt]] = {}
    for a in _all_answers(attempts):
        key = json.dumps(_normal(a.extra.get("answer")), sort_keys=True, ensure_ascii=False)
        groups.setdefault(key, []).append(a)
    ranked = sorted(groups.values(), key=lambda g: (-len(g), g[0].created_at))[:TOP_ANSWERS]
    rows = []
    for group in ranked:
        try:
            text = item.answer_text(spec, group[0].extra.get("answer"), lang)
        except Exception:  # noqa: BLE001 - an old answer of another shape: shown as it is stored
            text = json.dumps(group[0].extra.get("answer"), ensure_ascii=False)
        rows.append(AnswerRow(text, len(group), len({a.student for a in group}), sum(a.correct for a in group)))
    return rows, sum(len(g) for g in groups.values())


@dataclass
class RubricRow:
    id: str
    name: str
    first: int
    all: int


@dataclass
class Rubric:
    missed: list[RubricRow]  # concepts not found, the most often missed first
    matched: list[RubricRow]  # misconceptions stated, the most often matched first
    first_total: int
    all_total: int


def rubric_counts(spec: dict, attempts: dict[int, list[Attempt]]) -> Rubric:
    """Free-text items: the rubric's concepts missed and misconceptions matched (from QuizAnswer.details)."""

    def read(answers: list[Attempt]) -> tuple[Counter, Counter, int]:
        found, stated, n = Counter(), Counter(), 0
        for a in answers:
            details = a.extra.get("details")
            if not isinstance(details, dict) or not isinstance(details.get("concepts"), list):
                continue  # not graded by the rubric
            n += 1
            found.update(set(details["concepts"]))
            stated.update(set(details.get("misconceptions") or []))
        return found, stated, n

    first_found, first_stated, first_n = read(_first_answers(attempts))
    all_found, all_stated, all_n = read(_all_answers(attempts))
    concepts = spec.get("concepts", [])
    known = {c["id"] for c in concepts}
    missed = [
        RubricRow(
            c["id"],
            pick_language(c.get("name") or {}) or c["id"],
            first_n - first_found[c["id"]],
            all_n - all_found[c["id"]],
        )
        for c in concepts
    ]
    names = {m["id"]: pick_language(m.get("name") or {}) or m["id"] for m in spec.get("misconceptions", [])}
    # An id the current rubric no longer has (an answer graded by an older version) is shown as it is.
    for old in sorted(set(all_stated) - set(names) - known):
        names[old] = old
    matched = [RubricRow(mid, name, first_stated[mid], all_stated[mid]) for mid, name in names.items()]
    order = {row.id: i for i, row in enumerate(missed + matched)}
    return Rubric(
        sorted(missed, key=lambda r: (-r.all, order[r.id])),
        sorted(matched, key=lambda r: (-r.all, order[r.id])),
        first_n,
        all_n,
    )


# --- lessons: completion over time -----------------------------------------------------


@dataclass
class Completion:
    """Students with a score that counts on every item of a lesson, by the end of each day."""

    enrolled: int
    days: list[date]
    done: list[int]  # cumulative, one per day
    due: date | None
    due_in_range: bool
    total_done: int

    def share(self, count: int) -> float:
        return count / self.enrolled if self.enrolled else 0.0


def completion(
    course_lesson: CourseLesson,
    exercises: list[Exercise],
    attempts: dict[int, dict[int, list[Attempt]]],
    enrolled: int,
    today: date | None = None,
) -> Completion | None:
    """None when no student has worked on the lesson yet (or it has no items)."""
    today = today or timezone.localdate()
    if not exercises:
        return None
    activity = [a.created_at for e in exercises for theirs in attempts.get(e.id, {}).values() for a in theirs]
    if not activity:
        return None
    students = set().union(*(attempts.get(e.id, {}).keys() for e in exercises))
    finished = []
    for student in students:
        # When each item first counted for this student; the lesson is done at the last of them.
        times = [counts_from(attempts.get(e.id, {}).get(student, [])) for e in exercises]
        if all(t is not None for t in times):
            finished.append(timezone.localtime(max(times)).date())
    due = timezone.localtime(course_lesson.due_at).date() if course_lesson.due_at else None
    # From the first attempt to the last one, or to the due date once it has passed: after the last
    # attempt nothing changes, and a due date still ahead is no day with figures yet.
    start = timezone.localtime(min(activity)).date()
    end = max([timezone.localtime(max(activity)).date(), *([due] if due and due <= today else [])])
    start = max(start, end - timedelta(days=MAX_DAYS))
    per_day = Counter(finished)
    days, done, running = [], [], sum(n for day, n in per_day.items() if day < start)
    day = start
    while day <= end:
        running += per_day[day]
        days.append(day)
        done.append(running)
        day += timedelta(days=1)
    return Completion(
        enrolled=enrolled,
        days=days,
        done=done,
        due=due,
        due_in_range=due is not None and start <= due <= end,
        total_done=len(finished),
    )
