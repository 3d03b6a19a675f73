"""The score that counts for an attempt once staff have looked at it.

The latest ScoreChange of an attempt wins: an override or a confirm sets what counts
(`new_score`), a revert hands it back to the grader. Nothing here writes Submission.score
or QuizAnswer.score, so `record_result` arriving after an override changes nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from review.models import ScoreChange


def in_force(changes: Iterable[dict], key: str) -> dict[int, float]:
    """{attempt id: score that counts} for the attempts whose latest change is an override or a confirm."""
    latest: dict[int, dict] = {}
    for change in changes:  # oldest first
        latest[change[key]] = change
    return {pk: c["new_score"] for pk, c in latest.items() if c["kind"] != ScoreChange.Kind.REVERT}


def submission_overrides(course, student, exercise_ids: Iterable[int] | None = None) -> dict[int, float]:
    """{submission id: score that counts} for one student's changed submissions in a course (one query)."""
    rows = ScoreChange.objects.filter(course=course, student=student, submission__isnull=False)
    if exercise_ids is not None:
        rows = rows.filter(exercise_id__in=list(exercise_ids))
    return in_force(rows.order_by("at", "pk").values("submission_id", "kind", "new_score"), "submission_id")


def answer_overrides(course, student, exercise_ids: Iterable[int] | None = None) -> dict[int, float]:
    """{quiz answer id: score that counts} for one student's changed quiz answers in a course (one query)."""
    rows = ScoreChange.objects.filter(course=course, student=student, quiz_answer__isnull=False)
    if exercise_ids is not None:
        rows = rows.filter(exercise_id__in=list(exercise_ids))
    return in_force(rows.order_by("at", "pk").values("quiz_answer_id", "kind", "new_score"), "quiz_answer_id")


def item_answer_changes(course, student, exercise) -> list[ScoreChange]:
    """Every change to one student's answers on one item, oldest first (one query): what an item
    page needs both for the score that counts (`changes_in_force`) and for the notes it shows."""
    rows = ScoreChange.objects.filter(course=course, student=student, exercise=exercise, quiz_answer__isnull=False)
    return list(rows.order_by("at", "pk"))


def changes_in_force(changes: list[ScoreChange]) -> dict[int, float]:
    """answer_overrides' result, from the item's changes already read."""
    return in_force(
        ({"quiz_answer_id": c.quiz_answer_id, "kind": c.kind, "new_score": c.new_score} for c in changes),
        "quiz_answer_id",
    )


def credited(answer, overrides: dict[int, float]) -> float:
    """QuizAnswer.credited_score with the staff's score in place of the grader's.

    The attempt's credit (decreasing-credit policies) and lateness still apply: an override
    says what the answer is worth, the item's policy says what that attempt keeps of it.
    """
    if answer.pk not in overrides:
        return answer.credited_score
    return 0.0 if answer.late else round(overrides[answer.pk] * answer.credit, 4)


def effective_score(item) -> float | None:
    """What one attempt (Submission or QuizAnswer) counts now: the latest change's score, else the grader's."""
    field = "submission" if item.__class__.__name__ == "Submission" else "quiz_answer"
    last = ScoreChange.objects.filter(**{field: item}).order_by("-at", "-pk").first()
    if last is None or last.kind == ScoreChange.Kind.REVERT:
        return item.score
    return last.new_score


def visible_override(item) -> ScoreChange | None:
    """The override a student is told about on the attempt's page: the latest one not reverted since.

    A confirm after an override keeps it (and its reason) in force.
    """
    field = "submission" if item.__class__.__name__ == "Submission" else "quiz_answer"
    shown = None
    for change in ScoreChange.objects.filter(**{field: item}).order_by("at", "pk"):
        if change.kind == ScoreChange.Kind.OVERRIDE:
            shown = change
        elif change.kind == ScoreChange.Kind.REVERT:
            shown = None
    return shown
