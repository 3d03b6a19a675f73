"""Lessons and exercises as synced from `exercises/`.

Every distinct content hash of an exercise is kept as an ExerciseVersion, so a
submission always points at exactly the text, starter and key it was made
against. The checks are never stored here; the reference solution is, in its own
field, for the page that shows it after the due date.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language


def pick_language(texts: dict[str, str]) -> str:
    """The text in the active language: pt for pt-br, else en, else whatever exists."""
    language = (get_language() or "pt-br").split("-")[0]
    return texts.get(language) or texts.get("pt") or texts.get("en") or ""


class Lesson(models.Model):
    slug = models.SlugField(unique=True)
    order = models.PositiveIntegerField(default=0)
    title = models.JSONField()
    summary = models.JSONField(default=dict)
    # {"pt": markdown, "en": markdown} from lesson.<lang>.md; {} when the lesson has no text.
    # Updated in place by each sync, like the title and summary (lessons have no versions).
    body = models.JSONField(default=dict, blank=True)
    # Bumped by every save or delete of one of its exercises or their versions (catalog.lesson_index).
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def display_title(self) -> str:
        return pick_language(self.title)

    @property
    def display_summary(self) -> str:
        return pick_language(self.summary)

    @property
    def display_body(self) -> str:
        """The lesson text (Markdown, written by the course's authors) in the active language."""
        return pick_language(self.body)


class Exercise(models.Model):
    QUIZ = "quiz"
    CODE = "code"
    KIND_CHOICES = [(QUIZ, "quiz"), (CODE, "code")]

    slug = models.SlugField(unique=True)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="exercises")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    order = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "ExerciseVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # False once the folder disappears from exercises/: kept for old submissions.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["lesson__order", "order", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def display_title(self) -> str:
        return self.current_version.display_title if self.current_version else self.slug


class ExerciseVersion(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="versions")
    content_hash = models.CharField(max_length=64)
    data = models.JSONField()  # grader.content.Exercise.public_data()
    # The reference solution of a coding exercise, kept apart from `data`: pages
    # show it only once the lesson's due date has passed (or to instructors).
    solution = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exercise", "content_hash"], name="unique_exercise_version"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.exercise.slug}@{self.content_hash[:8]}"

    @property
    def display_title(self) -> str:
        return pick_language(self.data["title"])

    @property
    def display_prompt(self) -> str:
        return pick_language(self.data["prompt"])

    @property
    def queue(self) -> str:
        return self.data.get("queue", "cpu")

    @property
    def max_score(self) -> float:
        return float(self.data.get("max_score", 0))
