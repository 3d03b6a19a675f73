"""What every item page of a course reads, kept in each process between requests.

Each item page, quiz answer and submission needs the exercise with its current version and
lesson, the course's row for that lesson (dates, late policy) and the student's extension on it.
Read on every request they cost three queries and about a sixth of the page's CPU, for facts
that change only when an instructor edits the course's dates or extensions, or when content is
synced. Each process keeps them per course, keyed by `Course.revision`: every save or delete of
a CourseLesson or an Extension of the course, of one of its Lessons, and of an Exercise or
ExerciseVersion of one of them (told by catalog.lesson_index.items_changed), gives the course a
new revision in the database, in the change's own transaction. The course row comes with the
enrollment on every request, so every process sees the change on its next page; the process
that made it also forgets what it kept at once.

What this hands out are copies: a view may set attributes on them. The exercise's version and
lesson are shared between requests and are only read (no code writes to a version's data).
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog import lesson_index
from catalog.models import Exercise, Lesson
from courses.models import Course, CourseLesson, Extension

MAX_COURSES = 64  # courses kept per process; the least recently used goes first


@dataclass
class _Kept:
    revision: int
    course_lessons: dict[int, CourseLesson]  # by lesson id
    extensions: dict[tuple[int, int], datetime]  # (lesson id, student id) -> their due date
    exercises: dict[str, Exercise] = field(default_factory=dict)  # active ones, by slug, as pages ask


_lock = threading.Lock()
_courses: OrderedDict[int, _Kept] = OrderedDict()
_course_rows: OrderedDict[int, Course] = OrderedDict()


def _used(table: OrderedDict, key: int, value=None) -> None:
    """Mark `key` the most recently used of `table` (storing `value` first, when given); the least
    recently used go beyond MAX_COURSES."""
    with _lock:
        if value is not None:
            table[key] = value
        elif key not in table:
            return  # forgotten meanwhile
        table.move_to_end(key)
        while len(table) > MAX_COURSES:
            table.popitem(last=False)


def _kept(course: Course) -> _Kept:
    kept = _courses.get(course.pk)
    if kept is not None and kept.revision == course.revision:
        _used(_courses, course.pk)
        return kept
    kept = _Kept(
        revision=course.revision,
        course_lessons={row.lesson_id: row for row in CourseLesson.objects.filter(course=course.pk)},
        extensions={
            (lesson_id, student_id): due
            for lesson_id, student_id, due in Extension.objects.filter(course=course.pk).values_list(
                "lesson_id", "student_id", "due_at"
            )
        },
    )
    _used(_courses, course.pk, kept)
    return kept


def course_row(course_id: int, revision: int) -> Course:
    """A copy of the course's row as of `revision` (read from the enrolment, on every page); the
    row is read again when the revision moved, which every change to the row makes it do."""
    kept = _course_rows.get(course_id)
    if kept is None or kept.revision != revision:
        kept = Course.objects.get(pk=course_id)
        _used(_course_rows, course_id, kept)
    else:
        _used(_course_rows, course_id)
    return copy.copy(kept)


def exercise_in_course(course: Course, slug: str, student=None) -> Exercise | None:
    """The active exercise `slug` if its lesson is in the course (else None), a copy, with the
    course's row for its lesson as `exercise.course_lesson`; given a student, their extension on
    that lesson rides along on that row (courses.deadlines.deadline_for reads it there)."""
    kept = _kept(course)
    exercise = kept.exercises.get(slug)
    if exercise is None:
        exercise = Exercise.objects.select_related("current_version", "lesson").filter(slug=slug, active=True).first()
        if exercise is None or exercise.lesson_id not in kept.course_lessons:
            return None  # not kept: a mistyped address must not grow the table
        kept.exercises[slug] = exercise
    exercise = copy.copy(exercise)
    course_lesson = copy.copy(kept.course_lessons[exercise.lesson_id])  # kept only if its lesson is
    course_lesson.course = course
    if student is not None and student.is_authenticated:
        course_lesson.extension_of = student.pk
        course_lesson.extension_due = kept.extensions.get((exercise.lesson_id, student.pk))
    exercise.course_lesson = course_lesson
    return exercise


def forget() -> None:
    with _lock:
        _courses.clear()
        _course_rows.clear()


def _bump(courses) -> None:
    """A new revision for each course of the queryset; this process forgets what it kept
    (courses.models.CourseQuerySet.update does, for every update of a course row)."""
    courses.update(revision=secrets.randbits(62))


def courses_changed(course_ids) -> None:
    """What CourseRowsQuerySet calls after a write that sends no signal."""
    ids = {pk for pk in course_ids if pk is not None}
    if ids:
        _bump(Course.objects.filter(pk__in=ids))


@receiver(post_save, sender=CourseLesson)
@receiver(post_delete, sender=CourseLesson)
@receiver(post_save, sender=Extension)
@receiver(post_delete, sender=Extension)
def _course_row_changed(sender, instance, **kwargs) -> None:
    _bump(Course.objects.filter(pk=instance.course_id))


def _lesson_changed(lesson_id: int | None) -> None:
    if lesson_id is not None:
        _bump(Course.objects.filter(courselesson__lesson_id=lesson_id))


@receiver(post_save, sender=Lesson)
@receiver(post_delete, sender=Lesson)
def _lesson_saved(sender, instance: Lesson, **kwargs) -> None:
    _lesson_changed(instance.pk)


@receiver(lesson_index.items_changed)
def _items_changed(sender, lesson_id: int, **kwargs) -> None:
    """One of the lesson's exercises or versions was saved or deleted (catalog.lesson_index)."""
    _lesson_changed(lesson_id)
