"""Staff decisions on scores (override, confirm, revert) and students' regrade requests.

Views and tests call these; each decision appends a ScoreChange and never edits the
attempt's own score, so the grader's verdict stays on record beside the human's.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrollment
from review import scores
from review.models import REGRADE_MESSAGE_MAX, RegradeRequest, ScoreChange
from submissions.models import QuizAnswer, Submission

# Where a refused regrade request's text waits for the page that shows the form again.
REGRADE_DRAFT = "review_regrade_draft"


class ReviewRefused(ValueError):
    """A decision that cannot be taken as asked: shown to the user, nothing saved."""


def _field(item) -> str:
    return "submission" if isinstance(item, Submission) else "quiz_answer"


def _lock(item):
    """Lock the attempt's row: two staff members deciding at once are put in order (as record_result is)."""
    return type(item).objects.select_for_update().get(pk=item.pk)


def open_request(item) -> RegradeRequest | None:
    return RegradeRequest.objects.filter(
        course_id=item.course_id, student_id=item.student_id, exercise_id=item.exercise_id, state="open"
    ).first()


def _answer_request(item, by, reply: str) -> None:
    request = open_request(item)
    if request is not None:
        request.state = RegradeRequest.State.ANSWERED
        request.reply = reply
        request.answered_by = by
        request.answered_at = timezone.now()
        request.save(update_fields=["state", "reply", "answered_by", "answered_at"])


def _record(item, by, kind: str, old, new, reason: str = "", comment: str = "") -> ScoreChange:
    change = ScoreChange.objects.create(
        course_id=item.course_id,
        student_id=item.student_id,
        exercise_id=item.exercise_id,
        kind=kind,
        old_score=old,
        new_score=new,
        reason=reason,
        comment_for_student=comment,
        by=by,
        **{_field(item): item},
    )
    if isinstance(item, QuizAnswer) and item.provisional:
        QuizAnswer.objects.filter(pk=item.pk).update(provisional=False)  # a human has read it now
        item.provisional = False
    return change


def override(item, by, new_score: float, reason: str, comment: str = "") -> ScoreChange:
    """Set the score that counts for this attempt; answers the student's open regrade request."""
    with transaction.atomic():
        item = _lock(item)
        change = _record(item, by, ScoreChange.Kind.OVERRIDE, scores.effective_score(item), new_score, reason, comment)
        _answer_request(item, by, comment or reason)
    return change


def confirm(item, by, reply: str = "") -> ScoreChange:
    """Keep the score that counts (a provisional one becomes final); answers an open request with `reply`."""
    with transaction.atomic():
        item = _lock(item)
        current = scores.effective_score(item)
        if current is None:
            raise ReviewRefused(_("This attempt has no score yet: override it, or wait for its grading."))
        if open_request(item) is not None and not reply.strip():
            raise ReviewRefused(_("The student asked for a regrade: write a reply to keep the score."))
        change = _record(item, by, ScoreChange.Kind.CONFIRM, current, current, comment=reply)
        _answer_request(item, by, reply)
    return change


def revert(item, by, reason: str) -> ScoreChange:
    """Remove the override in force: the grader's score counts again."""
    with transaction.atomic():
        item = _lock(item)
        if scores.visible_override(item) is None:
            raise ReviewRefused(_("This attempt has no override to remove."))
        return _record(item, by, ScoreChange.Kind.REVERT, scores.effective_score(item), item.score, reason)


def request_regrade(enrollment: Enrollment, item, message: str) -> RegradeRequest:
    """A student asks once per item (course, student, exercise) for a second look at their own attempt."""
    if item.student_id != enrollment.user_id or item.course_id != enrollment.course_id:
        raise ReviewRefused(_("You can ask for a regrade of your own work only."))
    message = message.strip()
    if not message:
        raise ReviewRefused(_("Say what you would like your instructor to look at again."))
    if len(message) > REGRADE_MESSAGE_MAX:
        raise ReviewRefused(
            _("Your message is too long: at most %(limit)d characters (it has %(n)d).")
            % {"limit": REGRADE_MESSAGE_MAX, "n": len(message)}
        )
    try:
        with transaction.atomic():
            return RegradeRequest.objects.create(
                course_id=item.course_id,
                student_id=item.student_id,
                exercise_id=item.exercise_id,
                message=message,
                **{_field(item): item},
            )
    except IntegrityError as exc:
        raise ReviewRefused(_("You have already asked for a regrade of this item.")) from exc
