"""Staff pages: the most similar pairs of students' code per coding exercise, and one pair side by side."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Exercise
from courses.access import get_exercise_in_course, get_staff_enrollment
from courses.models import CourseLesson
from similarity import services
from similarity.models import Pair, Run


def _coding_exercises(course) -> list[Exercise]:
    lessons = CourseLesson.objects.filter(course=course).values("lesson_id")
    return list(
        Exercise.objects.filter(
            kind=Exercise.CODE, active=True, lesson__in=lessons, current_version__isnull=False
        ).select_related("current_version", "lesson")
    )


def _pairs():
    return Pair.objects.select_related("submission_a__student", "submission_b__student")


@login_required
@require_GET
def similarity_index(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    exercises = _coding_exercises(course)
    runs = Run.objects.filter(course=course, exercise__in=exercises)
    latest: dict[int, Run] = {}
    shown: dict[int, Run] = {}  # the newest finished run: its pairs stay visible while a new one computes
    for run in runs.prefetch_related(Prefetch("pairs", queryset=_pairs())):
        latest.setdefault(run.exercise_id, run)
        if run.status == Run.Status.DONE:
            shown.setdefault(run.exercise_id, run)
    rows = [{"exercise": e, "run": latest.get(e.pk), "shown": shown.get(e.pk)} for e in exercises]
    return render(request, "similarity/index.html", {"course": course, "enrollment": enrollment, "rows": rows})


@login_required
@require_GET
def similarity_status(request: HttpRequest, course_slug: str) -> JsonResponse:
    """The status of each coding exercise's latest run: the index page polls it while one computes."""
    enrollment = get_staff_enrollment(request, course_slug)
    exercises = {e.pk: e.slug for e in _coding_exercises(enrollment.course)}
    latest: dict[str, str] = {}
    rows = Run.objects.filter(course=enrollment.course, exercise_id__in=exercises).values_list("exercise_id", "status")
    for exercise_id, status in rows:  # newest first (Run's ordering)
        latest.setdefault(exercises[exercise_id], status)
    active = set(Run.ACTIVE)
    return JsonResponse({"runs": latest, "active": sorted(slug for slug, status in latest.items() if status in active)})


@login_required
@require_POST
def similarity_recompute(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    exercise = get_exercise_in_course(course, exercise_slug)
    if exercise.kind != Exercise.CODE:
        raise Http404("not a coding exercise")
    if services.request_run(course, exercise, request.user) is None:
        messages.warning(request, _("A computation for this exercise is already waiting or running."))
    else:
        messages.success(request, _("Computing in the background; this page shows the pairs when it is done."))
    return HttpResponseRedirect(reverse("similarity", args=[course.slug]) + f"#ex-{exercise.slug}")


@dataclass(frozen=True)
class Segment:
    text: str
    match: bool


@dataclass(frozen=True)
class Line:
    number: int
    segments: list[Segment]

    @property
    def match(self) -> bool:
        return any(segment.match for segment in self.segments)


def _spans(regions: list[list[int]]) -> list[tuple[int, int, int, int]]:
    """Regions as (first line, first column, last line, end column); a run stored before token
    precision, [first line, last line], covers its whole lines."""
    spans = []
    for region in regions:
        if len(region) == 4:
            spans.append(tuple(region))
        elif len(region) == 2:
            spans.append((region[0], 0, region[1], 10**9))
    return spans


def code_lines(source: str, regions: list[list[int]]) -> list[Line]:
    """Each line of the code cut into the stretches shared with the other submission and the rest."""
    lines = source.splitlines()
    marked: dict[int, list[tuple[int, int]]] = {}
    for first, first_col, last, end_col in _spans(regions):
        for n in range(max(1, first), min(last, len(lines)) + 1):
            start = first_col if n == first else 0
            end = end_col if n == last else len(lines[n - 1])
            marked.setdefault(n, []).append((start, end))
    out = []
    for n, text in enumerate(lines, start=1):
        segments, at = [], 0
        for start, end in sorted(marked.get(n, [])):
            start, end = max(start, at), min(end, len(text))
            if end <= start:
                continue
            if start > at:
                segments.append(Segment(text[at:start], False))
            segments.append(Segment(text[start:end], True))
            at = end
        if at < len(text) or not segments:
            segments.append(Segment(text[at:], False))
        out.append(Line(n, segments))
    return out


def line_ranges(regions: list[list[int]]) -> list[str]:
    """The lines regions cover, as a reader says them: "4–9", "12" (next lines join one range)."""
    merged: list[list[int]] = []
    for first, _first_col, last, _end_col in sorted(_spans(regions)):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [f"{first}–{last}" if last > first else str(first) for first, last in merged]


@login_required
@require_GET
def similarity_pair(request: HttpRequest, course_slug: str, pair_id: int) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    pair = get_object_or_404(_pairs().select_related("run__exercise__current_version"), pk=pair_id, run__course=course)
    sides = [
        {"submission": submission, "ranges": line_ranges(regions), "lines": code_lines(submission.source, regions)}
        for submission, regions in ((pair.submission_a, pair.regions_a), (pair.submission_b, pair.regions_b))
    ]
    return render(
        request,
        "similarity/pair.html",
        {"course": course, "enrollment": enrollment, "pair": pair, "exercise": pair.run.exercise, "sides": sides},
    )
