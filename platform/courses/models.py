"""Courses, who is enrolled in them and in which role, and which lessons they teach."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.models import Lesson, pick_language


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.JSONField()  # {"pt": ..., "en": ...}
    lessons = models.ManyToManyField(Lesson, through="CourseLesson", related_name="courses")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.slug

    @property
    def display_title(self) -> str:
        return pick_language(self.title)


class CourseLesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT)
    order = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["course", "lesson"], name="unique_course_lesson")]


class Enrollment(models.Model):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ROLE_CHOICES = [(STUDENT, "student"), (INSTRUCTOR, "instructor")]

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=STUDENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="unique_enrollment")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course} ({self.role})"
