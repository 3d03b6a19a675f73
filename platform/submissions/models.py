"""Attempts: coding submissions graded by workers, and quiz answers graded in the request."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Exercise, ExerciseVersion
from courses.models import Course


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        GRADED = "graded", _("Graded")
        ERROR = "error", _("Error in the code")
        TIMEOUT = "timeout", _("Time limit exceeded")
        MEMORY_LIMIT = "memory_limit", _("Memory limit exceeded")
        OUTPUT_LIMIT = "output_limit", _("Output limit exceeded")
        SANDBOX_ERROR = "sandbox_error", _("Grader unavailable")

    FINAL = {
        Status.GRADED,
        Status.ERROR,
        Status.TIMEOUT,
        Status.MEMORY_LIMIT,
        Status.OUTPUT_LIMIT,
        Status.SANDBOX_ERROR,
    }

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(ExerciseVersion, on_delete=models.PROTECT, related_name="submissions")
    source = models.TextField()
    queue = models.CharField(max_length=10, default="cpu")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(default=0)
    report = models.JSONField(null=True, blank=True)
    # False when the failure was ours (sandbox_error): the attempt does not count.
    charged = models.BooleanField(default=True)
    # Made after the lesson's due date: practice, graded but outside the attempt limit.
    late = models.BooleanField(default=False)
    # Sent after the due date under a lesson's penalty policy: it counts, times this share of its score.
    days_late = models.PositiveSmallIntegerField(default=0)
    credit = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A secret put in this submission's grading task (grader.contract.new_token): a result or a
    # "running" notice counts only if it carries it back, so whoever can publish to the broker can
    # at most report on the work it was given. Never shown on a page.
    token = models.CharField(max_length=64, blank=True, default="", editable=False)
    # When the broker last accepted this submission's task (None: never, say Redis was down),
    # that task's id, and how many times it was sent; the sweeper (submissions.sweeper) reads them.
    published_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, default="", editable=False)
    deliveries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["course", "student", "exercise"]),
            models.Index(fields=["status", "created_at"], name="submission_status_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.exercise.slug} by {self.student} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class QuizAnswer(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quiz_answers")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_answers")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="quiz_answers")
    version = models.ForeignKey(ExerciseVersion, on_delete=models.PROTECT, related_name="quiz_answers")
    answer = models.JSONField()
    params = models.JSONField(default=dict)  # the per-student numbers this answer was graded against
    score = models.FloatField()
    max_score = models.FloatField()
    correct = models.BooleanField()
    feedback = models.JSONField(default=dict)
    # Free-text answers scored by a rubric: provisional until an instructor reviews them.
    provisional = models.BooleanField(default=False)
    # What the grader found, for the instructor's review: a rubric's concepts and misconceptions
    # with the words that matched, its flags and engine version; a list answer's items found.
    details = models.JSONField(default=dict, blank=True)
    # What would give the key away: shown once the answer is right, the attempts are used up
    # or the due date has passed (QuizResult.explanation).
    explanation = models.JSONField(default=dict, blank=True)
    # After the lesson's due date: practice, kept out of the lesson score and of the attempt count.
    late = models.BooleanField(default=False)
    # On time: which attempt this was (1 = the first), and the share of its score the item keeps
    # under its attempt policy (decreasing credit); 0 and 0.0 for a late answer.
    attempt = models.PositiveSmallIntegerField(default=1)
    credit = models.FloatField(default=1.0)
    # The variant of the item's per-student numbers it answered (0: the first; a wrong answer may bring new ones).
    variant = models.PositiveSmallIntegerField(default=0)
    # Days after the due date under a lesson's penalty policy (already part of `credit`); 0 on time.
    days_late = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["course", "student", "exercise"])]

    @property
    def credited_score(self) -> float:
        """What this answer is worth toward the item: its score times its attempt's credit (0 when late)."""
        return 0.0 if self.late else round(self.score * self.credit, 4)


class HintReveal(models.Model):
    """A hint a student opened (hints open one by one, in order); instructors see how many were used."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="hint_reveals")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hint_reveals")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="hint_reveals")
    index = models.PositiveIntegerField()  # 0 for the first hint
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["course", "student", "exercise", "index"], name="unique_hint_reveal"),
        ]


class Draft(models.Model):
    """The code a student is typing on a coding exercise, autosaved by the editor; private to that student.

    One per student and exercise in a course. A successful submission deletes it; the page
    restores it when it is newer than the student's latest submission.
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="drafts")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    # Unlike attempts, a draft is nothing worth keeping an exercise for.
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="drafts")
    source = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "student", "exercise"], name="unique_draft"),
        ]
