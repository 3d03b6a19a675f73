"""Courses, who is enrolled in them and in which role, and which lessons they teach."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models, transaction

from catalog.models import Lesson, pick_language

# Join codes are read aloud and typed on phones: no 0/O, 1/I/L, 5/S or 2/Z to confuse.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(typed: str) -> str:
    """A code as typed ('abcd-efgh ', 'abcdefgh') in the form it is stored."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())[:32]


def _courses_changed(course_ids) -> None:
    from courses import course_index  # it reads these models

    course_index.courses_changed(course_ids)


class CourseRowsQuerySet(models.QuerySet):
    """Rows of a course that courses.course_index keeps between requests. save() and delete()
    tell it through their signals; the writes that send none (update, bulk_create, bulk_update)
    tell it here, so no way of changing a due date or an extension leaves a page behind."""

    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            courses = set(self.values_list("course_id", flat=True))
            moved_to = kwargs.get("course_id", kwargs.get("course"))
            if moved_to is not None:
                courses.add(getattr(moved_to, "pk", moved_to))
            count = super().update(**kwargs)
            _courses_changed(courses)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            objs = super().bulk_create(objs, *args, **kwargs)
            _courses_changed({obj.course_id for obj in objs})
        return objs

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            count = super().bulk_update(objs, fields, *args, **kwargs)
            _courses_changed({obj.course_id for obj in objs})
        return count


def _forget_kept() -> None:
    from courses import course_index

    course_index.forget()


class CourseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Every change to a course row gives it a new revision: courses.course_index keeps the row.
        kwargs.setdefault("revision", secrets.randbits(62))
        count = super().update(**kwargs)
        _forget_kept()  # this process at once; the others see the new revision
        return count


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.JSONField()  # {"pt": ..., "en": ...}
    lessons = models.ManyToManyField(Lesson, through="CourseLesson", related_name="courses")
    # What an instructor shares so that students enroll themselves; empty: joining is closed.
    join_code = models.CharField(max_length=16, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The course's attempt and score policy per kind of item (courses.policies); empty: each item's own.
    code_attempts = models.PositiveSmallIntegerField(null=True, blank=True)  # 0: no limit
    quiz_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    QUIZ_SCORE_CHOICES = [("best", "best"), ("last", "last"), ("decreasing", "decreasing")]
    quiz_score = models.CharField(max_length=12, blank=True, default="", choices=QUIZ_SCORE_CHOICES)
    # A new random number at every change to what courses.course_index keeps of the course (the
    # course row itself, its lessons' dates, extensions, the content of its lessons): never one
    # used before, so a change rolled back cannot leave a process holding rows it read under a
    # number that comes back.
    revision = models.BigIntegerField(default=0, editable=False)

    objects = CourseQuerySet.as_manager()

    def __str__(self) -> str:
        return self.slug

    def save(self, *args, **kwargs):
        if self._state.adding and not self.join_code:
            self.join_code = new_join_code()
        # A saved course is a changed course: its copies in every process (courses.course_index) go.
        self.revision = secrets.randbits(62)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision"}
        super().save(*args, **kwargs)
        _forget_kept()

    @property
    def join_code_display(self) -> str:
        code = self.join_code or ""
        return f"{code[:4]}-{code[4:]}" if len(code) == JOIN_CODE_LENGTH else code

    @property
    def display_title(self) -> str:
        return pick_language(self.title)


class CourseLesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT)
    order = models.PositiveIntegerField(default=0)
    # Before opens_at only staff see the lesson; students see when it opens and cannot answer.
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    # What happens to work sent after the (student's) due date: see courses.deadlines.
    CLOSED = "closed"
    PRACTICE = "practice"
    PENALTY = "penalty"
    LATE_POLICY_CHOICES = [(CLOSED, "closed"), (PRACTICE, "practice"), (PENALTY, "penalty")]
    late_policy = models.CharField(max_length=10, choices=LATE_POLICY_CHOICES, default=PRACTICE)
    # Penalty: percent of the score lost per day late (days rounded up), for at most penalty_max_days
    # days (none: until the credit reaches 0); after that, late work is practice.
    penalty_percent = models.PositiveSmallIntegerField(default=10)
    penalty_max_days = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = CourseRowsQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["course", "lesson"], name="unique_course_lesson")]


def mark_reviewed(field: str, pairs) -> None:
    """Set Enrollment.`field` (has_score_changes, has_regrade_requests) for each (course id,
    student id) in `pairs`: what review's rows call when one is written for that student."""
    by_course: dict[int, set[int]] = {}
    for course_id, student_id in pairs:
        by_course.setdefault(course_id, set()).add(student_id)
    for course_id, students in by_course.items():
        Enrollment.objects.filter(course_id=course_id, user_id__in=students, **{field: False}).update(**{field: True})


# Each flag, and the review model whose rows set it.
REVIEW_FLAGS = {"has_score_changes": "ScoreChange", "has_regrade_requests": "RegradeRequest"}


class EnrollmentQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _known_reviewed(objs)
        return super().bulk_create(objs, *args, **kwargs)


def _known_reviewed(enrollments) -> None:
    """A new enrollment (a student enrolled again, say) starts with the flags its student's
    rows already in the course call for: a flag left False would hide a staff decision."""
    from django.apps import apps

    new = [e for e in enrollments if e._state.adding]
    if not new:
        return
    for field, model in REVIEW_FLAGS.items():
        rows = apps.get_model("review", model).objects.filter(
            course_id__in={e.course_id for e in new}, student_id__in={e.user_id for e in new}
        )
        found = set(rows.values_list("course_id", "student_id").distinct())
        for enrollment in new:
            if (enrollment.course_id, enrollment.user_id) in found:
                setattr(enrollment, field, True)


class Enrollment(models.Model):
    STUDENT = "student"
    ASSISTANT = "assistant"  # a teaching assistant: reviews and grades, does not run the course
    INSTRUCTOR = "instructor"
    ROLE_CHOICES = [(STUDENT, "student"), (ASSISTANT, "teaching assistant"), (INSTRUCTOR, "instructor")]
    STAFF = (ASSISTANT, INSTRUCTOR)

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=STUDENT)
    created_at = models.DateTimeField(auto_now_add=True)
    # Whether staff have ever changed a score of this student's in the course (review.ScoreChange),
    # and whether the student has ever asked for a regrade (review.RegradeRequest). Set in the
    # transaction that writes the first such row, never set back: while False, the student's
    # pages read neither table (the enrollment is read on every page anyway).
    has_score_changes = models.BooleanField(default=False, editable=False)
    has_regrade_requests = models.BooleanField(default=False, editable=False)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="unique_enrollment")]

    def save(self, *args, **kwargs):
        if self._state.adding:
            _known_reviewed([self])
        elif kwargs.get("update_fields") is None and not args:
            # The flags are mark_reviewed's alone: a row read before a flag was set must not unset it.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in REVIEW_FLAGS
            ]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.user} in {self.course} ({self.role})"

    @property
    def is_staff_role(self) -> bool:
        """Instructor or teaching assistant: sees every student's work in the course."""
        return self.role in self.STAFF

    @property
    def is_instructor(self) -> bool:
        return self.role == self.INSTRUCTOR


class Extension(models.Model):
    """A later due date for one student on one lesson of a course; it replaces the lesson's for them."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="extensions")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="extensions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions")
    due_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="extensions_granted"
    )
    at = models.DateTimeField(auto_now=True)

    objects = CourseRowsQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "lesson", "student"], name="unique_extension"),
        ]

    def __str__(self) -> str:
        return f"{self.student} on {self.lesson} in {self.course}: {self.due_at}"
