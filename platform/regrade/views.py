"""Staff pages of regrades: the exercises to regrade, starting one, its preview, apply and cancel.

Teaching assistants see the list and the previews; only an instructor starts, applies or
cancels (a teaching assistant gets the same 404 as a student there).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Exercise
from courses.access import get_exercise_in_course, get_staff_enrollment
from courses.models import CourseLesson
from regrade import services
from regrade.models import Regrade
from submissions.models import QuizAnswer, Submission

RECENT = 20  # regrades listed on the index


def _exercises(course) -> list[Exercise]:
    lessons = CourseLesson.objects.filter(course=course).values("lesson_id")
    return list(
        Exercise.objects.filter(active=True, lesson__in=lessons, current_version__isnull=False).select_related(
            "current_version", "lesson"
        )
    )


def _attempt_counts(course, exercises) -> dict[int, dict[str, int]]:
    """{exercise id: {"all": n, "older": n}}: attempts a regrade would cover (two queries)."""
    students = services.students_of(course)
    counts: dict[int, dict[str, int]] = {}
    code = Submission.objects.filter(course=course, student__in=students, status__in=services.ELIGIBLE)
    answers = QuizAnswer.objects.filter(course=course, student__in=students)
    for rows in (code, answers):
        grouped = (
            rows.filter(exercise__in=exercises)
            .values("exercise_id")
            .annotate(all=Count("pk"), older=Count("pk", filter=~Q(version_id=F("exercise__current_version_id"))))
        )
        for row in grouped:
            counts[row["exercise_id"]] = {"all": row["all"], "older": row["older"]}
    return counts


def _regrade_of(course, regrade_id: int) -> Regrade:
    return get_object_or_404(
        Regrade.objects.select_related("exercise__current_version", "version", "created_by", "applied_by"),
        pk=regrade_id,
        course=course,
    )


def _detail_url(course, regrade: Regrade, drop: bool = False) -> str:
    url = reverse("regrade_detail", args=[course.slug, regrade.pk])
    return url + ("?drop=1" if drop else "")


@login_required
@require_GET
def regrade_index(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    exercises = _exercises(course)
    counts = _attempt_counts(course, exercises)
    regrades = list(Regrade.objects.filter(course=course).select_related("exercise__current_version", "created_by"))
    active = {r.exercise_id: r for r in regrades if r.is_active}
    rows = [
        {"exercise": e, "counts": counts.get(e.pk, {"all": 0, "older": 0}), "active": active.get(e.pk)}
        for e in exercises
    ]
    return render(
        request,
        "regrade/index.html",
        {"course": course, "enrollment": enrollment, "rows": rows, "regrades": regrades[:RECENT]},
    )


def _students_with_attempts(course, exercise) -> list[dict]:
    rows = (
        services.candidates(course, exercise)
        .values("student_id", "student__username", "student__first_name", "student__last_name")
        .annotate(n=Count("pk"))
        .order_by("student__username")
    )
    return [
        {
            "id": row["student_id"],
            "username": row["student__username"],
            "name": f"{row['student__first_name']} {row['student__last_name']}".strip(),
            "attempts": row["n"],
        }
        for row in rows
    ]


@login_required
@require_http_methods(["GET", "POST"])
def regrade_new(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug, instructor_only=True)
    course = enrollment.course
    exercise = get_exercise_in_course(course, exercise_slug)
    active = services.active_regrade(course, exercise)
    error = None
    scope = Regrade.Scope.ALL
    chosen: set[int] = set()
    if request.method == "POST":
        scope = request.POST.get("scope", "")
        chosen = {int(v) for v in request.POST.getlist("students") if v.isascii() and v.isdigit() and len(v) <= 12}
        try:
            regrade = services.start(course, exercise, request.user, scope=scope, student_ids=chosen)
        except services.RegradeRefused as exc:
            error = str(exc)
        else:
            messages.success(request, _("Regrading in the background; this page fills in as the grades arrive."))
            return HttpResponseRedirect(_detail_url(course, regrade))
    counts = _attempt_counts(course, [exercise]).get(exercise.pk, {"all": 0, "older": 0})
    return render(
        request,
        "regrade/new.html",
        {
            "course": course,
            "enrollment": enrollment,
            "exercise": exercise,
            "active": active,
            "counts": counts,
            "students": _students_with_attempts(course, exercise),
            "scope": scope,
            "chosen": chosen,
            "error": error,
            "scopes": Regrade.Scope,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def regrade_detail(request: HttpRequest, course_slug: str, regrade_id: int) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    regrade = _regrade_of(course, regrade_id)
    drop = request.GET.get("drop") == "1"
    preview = services.preview(regrade, drop_overrides=drop)
    stale = regrade.is_active and regrade.exercise.current_version_id != regrade.version_id
    return render(
        request,
        "regrade/detail.html",
        {
            "course": course,
            "enrollment": enrollment,
            "regrade": regrade,
            "exercise": regrade.exercise,
            "preview": preview,
            "drop": drop,
            "stale": stale,
            "kind": "submission" if regrade.is_code else "answer",  # the review page's name for the attempt
            "progress_url": reverse("regrade_progress", args=[course.slug, regrade.pk]),
            "keep_url": _detail_url(course, regrade),
            "drop_url": _detail_url(course, regrade, drop=True),
        },
    )


@login_required
@require_GET
def regrade_progress(request: HttpRequest, course_slug: str, regrade_id: int) -> JsonResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    regrade = get_object_or_404(Regrade, pk=regrade_id, course=enrollment.course)
    return JsonResponse(services.progress(regrade))


@login_required
@require_POST
def regrade_apply(request: HttpRequest, course_slug: str, regrade_id: int) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug, instructor_only=True)
    course = enrollment.course
    regrade = _regrade_of(course, regrade_id)
    keep = request.POST.get("drop_overrides") != "1"
    try:
        services.apply(regrade.pk, request.user, keep_overrides=keep, reason=request.POST.get("reason", ""))
    except services.RegradeRefused as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(_detail_url(course, regrade, drop=not keep))
    messages.success(request, _("Regrade applied: the new scores count now."))
    return HttpResponseRedirect(_detail_url(course, regrade))


@login_required
@require_POST
def regrade_cancel(request: HttpRequest, course_slug: str, regrade_id: int) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug, instructor_only=True)
    course = enrollment.course
    regrade = _regrade_of(course, regrade_id)
    try:
        services.cancel(regrade.pk)
    except services.RegradeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Regrade cancelled: no score changed."))
    return HttpResponseRedirect(_detail_url(course, regrade))
