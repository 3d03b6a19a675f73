"""Staff pages: statistics per lesson (items and completion over time) and per item.

Both start with courses.access.get_staff_enrollment (404 for students and other courses' staff)
and run a fixed number of queries whatever the number of students (coursestats.stats).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog.models import Exercise
from courses.access import get_exercise_in_course, get_staff_enrollment
from courses.models import CourseLesson, Enrollment
from coursestats import charts, stats


def _lang() -> str:
    return (get_language() or "pt-br").split("-")[0]


def duration_text(value: timedelta) -> str:
    """A time to full score as staff read it: minutes, hours and minutes, or days and hours."""
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


def _enrolled(course) -> int:
    return Enrollment.objects.filter(course=course, role=Enrollment.STUDENT).count()


@login_required
@require_GET
def stats_index(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    course_lessons = list(CourseLesson.objects.filter(course=course).select_related("lesson"))
    exercises = list(
        Exercise.objects.filter(
            lesson__in=[cl.lesson_id for cl in course_lessons], active=True, current_version__isnull=False
        ).select_related("current_version")
    )
    enrolled = _enrolled(course)
    attempts = stats.load_attempts(course, exercises)
    today = timezone.localdate()
    lessons = []
    for course_lesson in course_lessons:
        items = [e for e in exercises if e.lesson_id == course_lesson.lesson_id]
        done = stats.completion(course_lesson, items, attempts, enrolled, today)
        lessons.append(
            {
                "course_lesson": course_lesson,
                "lesson": course_lesson.lesson,
                "items": [stats.summarize(e, attempts[e.id], enrolled, course) for e in items],
                "chart": charts.completion(done),
            }
        )
    context = {"course": course, "enrollment": enrollment, "lessons": lessons, "enrolled": enrolled}
    return render(request, "coursestats/index.html", context)


@login_required
@require_GET
def stats_item(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    exercise = get_exercise_in_course(course, exercise_slug)
    enrolled = _enrolled(course)
    attempts = stats.load_attempts(course, [exercise], details=True)[exercise.id]
    summary = stats.summarize(exercise, attempts, enrolled, course)
    reached = stats.time_to_full(attempts)
    quartiles = reached.quartiles()
    context = {
        "course": course,
        "enrollment": enrollment,
        "exercise": exercise,
        "lesson": exercise.lesson,
        "summary": summary,
        "histogram": charts.histogram(summary.histogram(), summary.scored),
        "reached": reached,
        "quartiles": [duration_text(q) for q in quartiles] if quartiles else None,
    }
    if exercise.kind == Exercise.CODE:
        context["checks"] = stats.failing_checks(exercise, attempts)
    else:
        spec = exercise.current_version.data["quiz"]
        kind = spec["type"]
        context["quiz_type"] = kind
        if kind in ("single_choice", "multiple_choice"):
            context["options"] = stats.option_counts(spec, attempts)
        if kind == "matching":
            context["matches"] = stats.match_counts(spec, attempts)
        if kind == "free_text":
            context["rubric"] = stats.rubric_counts(spec, attempts)
        elif kind != "single_choice":
            context["answers"], context["answers_total"] = stats.common_answers(spec, attempts, _lang())
    return render(request, "coursestats/item.html", context)
