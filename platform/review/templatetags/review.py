"""What the review side adds to the students' pages and the course page, without their views knowing it."""

from __future__ import annotations

from django import template

from courses.access import is_staff_of
from review import queue, scores
from review.models import RegradeRequest, ScoreChange
from review.services import REGRADE_DRAFT

register = template.Library()


def _regrade_box(context, course, exercise, item, asked: bool = True) -> dict:
    """`asked`: whether the student may have asked for a regrade in the course (Enrollment.has_regrade_requests)."""
    request = context["request"]
    draft = request.session.pop(REGRADE_DRAFT, "") if hasattr(request, "session") else ""
    mine = RegradeRequest.objects.filter(course=course, student=request.user, exercise=exercise) if asked else None
    return {
        "course": course,
        "exercise": exercise,
        "item": item,
        "regrade": mine.first() if mine is not None else None,
        "draft": draft,
        "request": request,
    }


@register.inclusion_tag("review/_submission_notes.html", takes_context=True)
def submission_review(context, submission):
    """On a submission page: the override in force and the regrade box for its author; the review link for staff."""
    user = context["request"].user
    own = submission.student_id == user.id
    out = {"submission": submission, "own": own, "override": scores.visible_override(submission)}
    if own:
        out.update(_regrade_box(context, submission.course, submission.exercise, submission))
    else:
        out["staff_regrade"] = RegradeRequest.objects.filter(
            course=submission.course_id, student=submission.student_id, exercise=submission.exercise_id
        ).first()
    out["staff"] = not own and is_staff_of(user, submission.course)
    return out


@register.inclusion_tag("review/_quiz_notes.html", takes_context=True)
def quiz_review(context, course, exercise, latest, staff=None, changes=None, enrollment=None):
    """On a question page: overrides in force on the student's answers, and the regrade box (own answers only).

    `staff`: whether the viewer teaches the course, when the page knows it already (else read here).
    `changes`: the viewer's changes on this item, oldest first, when the page has read them.
    `enrollment`: the viewer's in the course, when the page has it: its flags spare the queries
    of a student who never asked for a regrade or had a score changed."""
    user = context["request"].user
    if is_staff_of(user, course) if staff is None else staff:
        return {"show": False}
    if latest is None:
        return {"show": True, "overrides": []}  # no answer yet: nothing to override or to ask about
    if changes is None:
        changes = scores.item_answer_changes(course, user, exercise) if _flag(enrollment, "has_score_changes") else []
    by_answer: dict[int, ScoreChange | None] = {}
    for change in changes:
        if change.kind == ScoreChange.Kind.OVERRIDE:
            by_answer[change.quiz_answer_id] = change
        elif change.kind == ScoreChange.Kind.REVERT:
            by_answer[change.quiz_answer_id] = None
    in_force = [c for c in by_answer.values() if c is not None]
    out = {"show": True, "overrides": in_force}
    out.update(_regrade_box(context, course, exercise, latest, _flag(enrollment, "has_regrade_requests")))
    return out


def _flag(enrollment, name: str) -> bool:
    """The enrollment's flag; True (may be: read it) when the page gave none."""
    return True if enrollment is None else getattr(enrollment, name)


@register.simple_tag
def score_changes(course, user, enrollment=None) -> dict:
    """{exercise id: the latest override in force on one of the student's attempts} for the lesson page
    (`enrollment`: the viewer's, as in quiz_review)."""
    if not _flag(enrollment, "has_score_changes"):
        return {}
    per_item: dict[tuple[str, int], ScoreChange | None] = {}
    for change in ScoreChange.objects.filter(course=course, student=user).order_by("at", "pk"):
        key = ("s", change.submission_id) if change.submission_id else ("a", change.quiz_answer_id)
        if change.kind == ScoreChange.Kind.OVERRIDE:
            per_item[key] = change
        elif change.kind == ScoreChange.Kind.REVERT:
            per_item[key] = None
    latest: dict[int, ScoreChange] = {}
    for change in per_item.values():
        if change is not None and (change.exercise_id not in latest or change.at > latest[change.exercise_id].at):
            latest[change.exercise_id] = change
    return latest


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def review_waiting(course) -> int:
    return queue.waiting(course)
