from __future__ import annotations

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
from submissions.models import QuizAnswer, Submission


@login_required
def home(request: HttpRequest) -> HttpResponse:
    enrollments = list(Enrollment.objects.filter(user=request.user).select_related("course"))
    if len(enrollments) == 1:
        return redirect("course", course_slug=enrollments[0].course.slug)
    return render(request, "courses/home.html", {"enrollments": enrollments})


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
    best_quiz = dict(
        QuizAnswer.objects.filter(course=course, student=request.user, exercise__in=exercises)
        .values_list("exercise_id")
        .annotate(best=Max("score"))
    )
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
            "due_input": due_local.strftime("%Y-%m-%dT%H:%M") if due_local else "",
            "due_error": request.GET.get("due_error") == "1",
        },
    )


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
        parsed = parse_datetime(request.POST.get("due_at", "").strip())
        if parsed is None:
            return redirect(url + "?due_error=1#due")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        course_lesson.due_at = parsed
    course_lesson.save(update_fields=["due_at"])
    return redirect(url + "#due")
