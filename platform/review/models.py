"""What staff decide about scores: the audit trail of score changes, and students' regrade requests.

A change never touches Submission.score or QuizAnswer.score: those stay what the grader
said, so a worker's result that arrives late cannot erase a human's decision. The score
that counts for an item is its latest change (an override or a confirm); a revert removes
the override and the grader's score counts again (`review.scores`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from catalog.models import Exercise
from courses.models import Course, mark_reviewed
from submissions.models import QuizAnswer, Submission

REASON_MAX = 500
COMMENT_MAX = 2000
REGRADE_MESSAGE_MAX = 1000


class StudentRowsQuerySet(models.QuerySet):
    """Rows about one student's work that set a flag on their enrollment (Enrollment.has_score_changes,
    has_regrade_requests) when written. save() tells it through post_save; bulk_create and an
    update that moves rows to another student or course, which send no signal, tell it here."""

    flag = ""

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            objs = super().bulk_create(objs, *args, **kwargs)
            mark_reviewed(self.flag, {(o.course_id, o.student_id) for o in objs})
        return objs

    def update(self, **kwargs):
        moved = {"course", "course_id", "student", "student_id"} & kwargs.keys()
        if not moved:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            rows = self.model._base_manager.filter(pk__in=pks).values_list("course_id", "student_id")
            mark_reviewed(self.flag, set(rows))
        return count


class ScoreChangeQuerySet(StudentRowsQuerySet):
    flag = "has_score_changes"


class RegradeRequestQuerySet(StudentRowsQuerySet):
    flag = "has_regrade_requests"


class ScoreChange(models.Model):
    """One staff decision about one attempt (a coding submission or a quiz answer), never edited."""

    class Kind(models.TextChoices):
        OVERRIDE = "override", _("Override")
        CONFIRM = "confirm", _("Confirmed")
        REVERT = "revert", _("Override removed")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="score_changes")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="score_changes")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="score_changes")
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="score_changes"
    )
    quiz_answer = models.ForeignKey(
        QuizAnswer, on_delete=models.CASCADE, null=True, blank=True, related_name="score_changes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_score = models.FloatField(null=True, blank=True)  # what counted just before (None: not graded yet)
    new_score = models.FloatField(null=True, blank=True)  # what counts after; None for a revert
    reason = models.CharField(max_length=REASON_MAX, blank=True)
    comment_for_student = models.TextField(max_length=COMMENT_MAX, blank=True)
    # Kept when the staff member leaves: the audit trail outlives accounts.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="score_changes_made"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = ScoreChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["course", "student", "exercise"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(submission__isnull=False, quiz_answer__isnull=True)
                    | models.Q(submission__isnull=True, quiz_answer__isnull=False)
                ),
                name="score_change_one_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.old_score} -> {self.new_score} for {self.student} on {self.exercise}"


class RegradeRequest(models.Model):
    """A student asks staff to look again at their score on one item: once per item, answered once."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="regrade_requests")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regrade_requests")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="regrade_requests")
    # The attempt the student was looking at when asking (one of the two).
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="regrade_requests"
    )
    quiz_answer = models.ForeignKey(
        QuizAnswer, on_delete=models.CASCADE, null=True, blank=True, related_name="regrade_requests"
    )
    message = models.TextField(max_length=REGRADE_MESSAGE_MAX)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    reply = models.TextField(max_length=COMMENT_MAX, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="regrades_answered"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegradeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "student", "exercise"], name="one_regrade_request_per_item"),
            models.CheckConstraint(
                condition=(
                    models.Q(submission__isnull=False, quiz_answer__isnull=True)
                    | models.Q(submission__isnull=True, quiz_answer__isnull=False)
                ),
                name="regrade_request_one_item",
            ),
        ]

    def __str__(self) -> str:
        return f"regrade by {self.student} on {self.exercise} ({self.state})"


@receiver(post_save, sender=ScoreChange)
@receiver(post_save, sender=RegradeRequest)
def _mark_enrollment(sender, instance, **kwargs) -> None:
    """The first such row of a student in a course sets the flag on their enrollment, in the row's transaction."""
    mark_reviewed(sender.objects.none().flag, {(instance.course_id, instance.student_id)})
