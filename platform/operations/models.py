"""The one thing operations keeps: who sent a stuck submission to the graders again, and when.

It is the audit trail support reads, and what limits re-sending to once a minute per
submission across every web process.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from submissions.models import Submission


class Resend(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="resends")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # What the submission was when it was re-sent ("queued" or "running") and since when.
    previous_status = models.CharField(max_length=20)
    published = models.BooleanField(default=False)  # False: the broker could not be reached
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["submission", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.submission_id} re-sent at {self.created_at:%Y-%m-%d %H:%M:%S}"
