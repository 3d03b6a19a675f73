from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

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
        Submission.objects.filter(course=course, student=request.user, exercise__in=exercises)
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
    return render(
        request,
        "courses/lesson.html",
        {"course": course, "course_lesson": course_lesson, "lesson": course_lesson.lesson, "rows": rows},
    )
