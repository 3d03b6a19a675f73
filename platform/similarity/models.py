"""Similarity runs: for one coding exercise of a course, the most similar pairs of students' code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Exercise
from courses.models import Course
from submissions.models import Submission


class Run(models.Model):
    """One computation, requested by a staff member and done by the `similarity` worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="similarity_runs")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="similarity_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    compared = models.PositiveIntegerField(default=0)  # submissions that could be compared
    # Submissions left out, with why: {"<submission id>": "cannot be tokenized: ..."}.
    skipped = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one waiting or running computation per exercise of a course, even under a double click.
            models.UniqueConstraint(
                fields=["course", "exercise"], condition=Q(status__in=["queued", "running"]), name="one_active_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.slug}/{self.exercise.slug} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class Pair(models.Model):
    """Two submissions by different students, ranked within their run (1 = the most similar)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="pairs")
    rank = models.PositiveIntegerField()
    submission_a = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    submission_b = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()  # 0..1, Jaccard index of the fingerprints
    # Line ranges (first, last; 1-based, inclusive) of the code the two share: [[4, 9], [12, 12]].
    regions_a = models.JSONField(default=list)
    regions_b = models.JSONField(default=list)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="unique_pair_rank")]

    @property
    def percent(self) -> float:
        return self.score * 100

    def __str__(self) -> str:
        return f"#{self.rank} {self.submission_a_id}~{self.submission_b_id} {self.score:.2f}"
