"""Regrades: an exercise's final attempts graded again against its current version, previewed, then applied.

A Regrade is started by an instructor; each attempt it covers is a RegradeItem, graded in
the background (code on the grading workers' `-regrade` queues, questions by the site's
`bulk` worker). Nothing of an attempt changes until the instructor applies the regrade,
in one transaction; until then the new scores live only on the items.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Exercise, ExerciseVersion
from courses.models import Course
from grader import contract
from submissions.models import QuizAnswer, Submission


class Regrade(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Grading")
        READY = "ready", _("Ready to apply")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.RUNNING, Status.READY)

    class Scope(models.TextChoices):
        ALL = "all", _("All final attempts")
        OLDER = "older", _("Attempts graded on an older version")
        STUDENTS = "students", _("Selected students")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="regrades")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="regrades")
    # The version every item is graded against: the exercise's current one when the regrade started.
    version = models.ForeignKey(ExerciseVersion, on_delete=models.PROTECT, related_name="regrades")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="regrades_started"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when applied: whether staff overrides on the regraded attempts were kept (else reverted).
    keep_overrides = models.BooleanField(default=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="regrades_applied"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One regrade at a time per exercise of a course: two could not both be applied coherently.
            models.UniqueConstraint(
                fields=["course", "exercise"], condition=Q(status__in=["running", "ready"]), name="one_active_regrade"
            ),
        ]

    def __str__(self) -> str:
        return f"regrade #{self.pk} {self.course.slug}/{self.exercise.slug} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_code(self) -> bool:
        return self.exercise.kind == Exercise.CODE


class RegradeItem(models.Model):
    """One attempt (a submission or a quiz answer) of a regrade, with the score the current version gives it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Graded")
        ERROR = "error", _("Could not be graded")

    regrade = models.ForeignKey(Regrade, on_delete=models.CASCADE, related_name="items")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    quiz_answer = models.ForeignKey(QuizAnswer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    old_score = models.FloatField(null=True, blank=True)  # the grader's score when the regrade started
    new_score = models.FloatField(null=True, blank=True)
    # Code: the grade's status ("graded", "error", ...). Questions: "correct" or "wrong".
    new_status = models.CharField(max_length=20, blank=True, default="")
    # Code: the worker's report. Questions: {correct, feedback, details, explanation, max_score}.
    new_report = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)
    # A secret put in this item's grading task: its report counts only if it carries it back.
    token = models.CharField(max_length=64, default=contract.new_token, editable=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission__isnull=False, quiz_answer__isnull=True)
                | Q(submission__isnull=True, quiz_answer__isnull=False),
                name="regrade_item_one_attempt",
            ),
            models.UniqueConstraint(fields=["regrade", "submission"], name="unique_regrade_submission"),
            models.UniqueConstraint(fields=["regrade", "quiz_answer"], name="unique_regrade_answer"),
        ]
        indexes = [models.Index(fields=["regrade", "state"])]

    def __str__(self) -> str:
        return f"item #{self.pk} of regrade #{self.regrade_id} ({self.state})"

    @property
    def attempt_id(self) -> int:
        return self.submission_id or self.quiz_answer_id
