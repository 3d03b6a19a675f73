"""Access helpers: every view starts by asking one of these."""

from __future__ import annotations

import functools

from django.db import connection
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from catalog.models import Exercise
from courses import course_index
from courses.models import Course, CourseLesson, Enrollment


@functools.cache
def _enrollment_sql() -> str:
    """The enrolment with its course's revision, by course slug and user: written out once, because
    Django's building the same query on every page cost more than the database's answering it."""
    qn = connection.ops.quote_name
    enrollment, course = qn(Enrollment._meta.db_table), qn(Course._meta.db_table)
    columns = ", ".join(f"{enrollment}.{qn(f.column)}" for f in Enrollment._meta.concrete_fields)
    return (
        f"SELECT {columns}, {course}.{qn('revision')} AS course_revision FROM {enrollment} "  # noqa: S608 - names from the models; values are parameters
        f"INNER JOIN {course} ON {course}.{qn('id')} = {enrollment}.{qn('course_id')} "
        f"WHERE {course}.{qn('slug')} = %s AND {enrollment}.{qn('user_id')} = %s"
    )


def get_enrollment(request: HttpRequest, course_slug: str) -> Enrollment:
    """The user's enrollment in the course; 404 (not 403) so course names do not leak.

    The course row comes from courses.course_index, as of the revision read with the enrolment."""
    if not request.user.is_authenticated:
        raise Http404("not enrolled")
    found = list(Enrollment.objects.raw(_enrollment_sql(), [course_slug, request.user.pk]))
    if not found:
        raise Http404("not enrolled")
    enrollment = found[0]
    try:
        enrollment.course = course_index.course_row(enrollment.course_id, enrollment.course_revision)
    except Course.DoesNotExist:  # deleted between the two reads
        raise Http404("not enrolled") from None
    enrollment.user = request.user  # the same row: no second query when a service reads it
    return enrollment


def get_staff_enrollment(request: HttpRequest, course_slug: str, instructor_only: bool = False) -> Enrollment:
    """The user's staff enrollment (instructor or teaching assistant; only instructor when asked).

    Anyone else, a student of the course included, gets the same 404 as for a course that
    does not exist: staff pages never confirm what they hold.
    """
    enrollment = get_enrollment(request, course_slug)
    allowed = (Enrollment.INSTRUCTOR,) if instructor_only else Enrollment.STAFF
    if enrollment.role not in allowed:
        raise Http404("not staff of this course")
    return enrollment


def is_staff_of(user, course: Course) -> bool:
    """Whether the user teaches the course (instructor or teaching assistant)."""
    return Enrollment.objects.filter(course=course, user=user, role__in=Enrollment.STAFF).exists()


def get_lesson_in_course(course: Course, lesson_slug: str) -> CourseLesson:
    return get_object_or_404(CourseLesson.objects.select_related("lesson"), course=course, lesson__slug=lesson_slug)


def get_exercise_in_course(course: Course, exercise_slug: str, student=None) -> Exercise:
    """The active exercise, if its lesson is in the course; the course's row for that lesson (its
    dates and late policy) rides along as `exercise.course_lesson`, and with it `student`'s
    extension on the lesson (courses.deadlines.deadline_for reads it from there). Both are kept
    between requests (courses.course_index): a page reads neither from the database."""
    exercise = course_index.exercise_in_course(course, exercise_slug, student)
    if exercise is None:
        raise Http404("exercise not in this course")
    if exercise.current_version is None:
        raise Http404("exercise has no content")
    return exercise


def get_submission_for_staff(request: HttpRequest, course_slug: str, submission_id: int):
    """A submission of the course, for its staff; 404 for anyone else and for another course's submissions."""
    from submissions.models import Submission

    enrollment = get_staff_enrollment(request, course_slug)
    submission = get_object_or_404(
        Submission.objects.select_related("student", "exercise__current_version", "exercise__lesson", "version"),
        pk=submission_id,
        course=enrollment.course,
    )
    return enrollment, submission


def get_quiz_answer_for_staff(request: HttpRequest, course_slug: str, answer_id: int):
    """A quiz answer of the course, for its staff; 404 for anyone else and for another course's answers."""
    from submissions.models import QuizAnswer

    enrollment = get_staff_enrollment(request, course_slug)
    answer = get_object_or_404(
        QuizAnswer.objects.select_related("student", "exercise__current_version", "exercise__lesson", "version"),
        pk=answer_id,
        course=enrollment.course,
    )
    return enrollment, answer
