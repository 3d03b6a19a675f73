from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods

from catalog.models import Exercise
from courses.access import get_enrollment, get_lesson_in_course, get_staff_enrollment
from courses.deadlines import deadline_for
from courses.models import CourseLesson, Enrollment
from courses.score_policy import score_policy
from submissions.services import attempt_limit, lesson_rows, lesson_summary


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
    # The dashboard: per lesson, its due date, the score so far, what is done and what is left.
    dashboard = []
    everything, deadlines = [], []
    for course_lesson in CourseLesson.objects.filter(course=course).select_related("lesson"):
        exercises = list(
            Exercise.objects.filter(lesson=course_lesson.lesson, active=True).select_related("current_version")
        )
        rows = lesson_rows(course, request.user, exercises, enrollment.has_score_changes)
        deadline = deadline_for(course_lesson, request.user)
        everything += exercises
        deadlines.append(deadline)
        dashboard.append(
            {
                "lesson": course_lesson.lesson,
                "summary": lesson_summary(rows, deadline.due),
                "deadline": deadline,
                "not_open": not enrollment.is_staff_role and not deadline.is_open(),
                "attempts": _attempts_left(course, rows, deadline),
            }
        )
    policy = score_policy(course, everything, deadlines)
    return render(
        request,
        "courses/course.html",
        {"course": course, "enrollment": enrollment, "dashboard": dashboard, "score_policy": policy},
    )


def _attempts_left(course, rows, deadline) -> dict | None:
    """The coding attempts a lesson has left, summed over its exercises with a limit (lesson_rows's
    count); None when it has none to count: no coding exercise, or past the due date, where new work
    no longer uses attempts (practice) or is not accepted (closed)."""
    code = [row for row in rows if row.exercise.kind == Exercise.CODE]
    if not code or deadline.practice() or deadline.closed():
        return None
    limited = [row for row in code if row.attempts_left is not None]
    if not limited:
        return {"unlimited": True}
    return {
        "left": sum(row.attempts_left for row in limited),
        "of": sum(attempt_limit(row.exercise, course) for row in limited),
        "unlimited": len(limited) < len(code),
        "used_up": sum(1 for row in limited if row.attempts_left == 0),
    }


@login_required
def lesson_detail(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    enrollment = get_enrollment(request, course_slug)
    course = enrollment.course
    course_lesson = get_lesson_in_course(course, lesson_slug)
    exercises = list(
        Exercise.objects.filter(lesson=course_lesson.lesson, active=True).select_related("current_version")
    )
    # Late work is practice and never raises what counts; quizzes count under their attempt policy.
    deadline = deadline_for(course_lesson, request.user)
    if not enrollment.is_staff_role and not deadline.is_open():
        # Before its open date a lesson is the staff's: students learn when it opens, nothing more.
        context = {"course": course, "lesson": course_lesson.lesson, "deadline": deadline}
        return render(request, "courses/not_open.html", context)
    rows = lesson_rows(course, request.user, exercises, enrollment.has_score_changes)
    summary = lesson_summary(rows, deadline.due)
    instructor = enrollment.is_instructor
    policy = score_policy(course, exercises, [deadline])
    due_local = timezone.localtime(course_lesson.due_at) if course_lesson.due_at else None
    return render(
        request,
        "courses/lesson.html",
        {
            "course": course,
            "course_lesson": course_lesson,
            "lesson": course_lesson.lesson,
            "rows": rows,
            "summary": summary,
            "deadline": deadline,
            "staff": enrollment.is_staff_role,
            "enrollment": enrollment,
            "instructor": instructor,
            "due_input": request.GET.get("due_value", "")[:40]
            if request.GET.get("due_error") == "1"
            else (due_local.strftime("%Y-%m-%dT%H:%M") if due_local else ""),
            "due_error": request.GET.get("due_error") == "1",
            "due_years": DUE_YEARS,
            "score_policy": policy,
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
    enrollment = get_staff_enrollment(request, course_slug, instructor_only=True)
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
