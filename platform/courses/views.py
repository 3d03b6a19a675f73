from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods

from catalog.models import Exercise
from courses.access import get_enrollment, get_lesson_in_course, lessons_of
from courses.models import Enrollment
from submissions.models import Submission
from submissions.services import quiz_scores


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One course: straight into it; none or several: the list, with the form to join one."""
    enrollments = list(Enrollment.objects.filter(user=request.user).select_related("course"))
    if len(enrollments) == 1:
        return redirect("course", course_slug=enrollments[0].course.slug)
    return redirect("courses")


@login_required
def course_detail(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_enrollment(request, course_slug)
    course = enrollment.course
    return render(
        request,
        "courses/course.html",
        {"course": course, "enrollment": enrollment, "lessons": lessons_of(course)},
    )


@login_required
def lesson_detail(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    enrollment = get_enrollment(request, course_slug)
    course = enrollment.course
    course_lesson = get_lesson_in_course(course, lesson_slug)
    exercises = list(
        Exercise.objects.filter(lesson=course_lesson.lesson, active=True).select_related("current_version")
    )
    best_code = dict(
        # Late submissions are practice: they never raise the score that counts.
        Submission.objects.filter(course=course, student=request.user, exercise__in=exercises, late=False)
        .values_list("exercise_id")
        .annotate(best=Max("score"))
    )
    # Quiz items count their on-time answers under each item's attempt policy; late ones are practice.
    best_quiz = quiz_scores(course, request.user, exercises)
    rows = [
        {
            "exercise": exercise,
            "best": best_code.get(exercise.id, best_quiz.get(exercise.id)),
            "max_score": exercise.current_version.max_score if exercise.current_version else 0,
        }
        for exercise in exercises
    ]
    instructor = enrollment.role == Enrollment.INSTRUCTOR
    due_local = timezone.localtime(course_lesson.due_at) if course_lesson.due_at else None
    return render(
        request,
        "courses/lesson.html",
        {
            "course": course,
            "course_lesson": course_lesson,
            "lesson": course_lesson.lesson,
            "rows": rows,
            "instructor": instructor,
            "due_input": request.GET.get("due_value", "")[:40]
            if request.GET.get("due_error") == "1"
            else (due_local.strftime("%Y-%m-%dT%H:%M") if due_local else ""),
            "due_error": request.GET.get("due_error") == "1",
            "due_years": DUE_YEARS,
        },
    )


# Due dates a course can have: wide enough for any term, narrow enough that converting to UTC
# and back never leaves the years Python and PostgreSQL both store (year 9999 became 10000 UTC).
DUE_YEARS = (2000, 2200)


def _due_date(typed: str):
    """The due date typed (site time zone if none is given), or None if it is no real date in range."""
    try:
        parsed = parse_datetime(typed)
    except ValueError:  # well formed but impossible, as 2024-02-30
        return None
    if parsed is None or not DUE_YEARS[0] <= parsed.year <= DUE_YEARS[1]:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
@require_http_methods(["POST"])
def lesson_due(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    """An instructor sets or clears the lesson's due date (in the site's time zone)."""
    enrollment = get_enrollment(request, course_slug)
    if enrollment.role != Enrollment.INSTRUCTOR:
        raise Http404("not an instructor of this course")
    course_lesson = get_lesson_in_course(enrollment.course, lesson_slug)
    url = reverse("lesson", args=[course_slug, lesson_slug])
    if "clear" in request.POST:
        course_lesson.due_at = None
    else:
        typed = request.POST.get("due_at", "").strip()[:40]
        parsed = _due_date(typed)
        if parsed is None:
            # Back to the form with what was typed, and nothing saved.
            return redirect(url + "?" + urlencode({"due_error": "1", "due_value": typed}) + "#due")
        course_lesson.due_at = parsed
    course_lesson.save(update_fields=["due_at"])
    return redirect(url + "#due")
