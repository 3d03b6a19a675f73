"""The review side: the course's queue, one attempt's review page, staff decisions, students' regrade requests.

Every staff view starts with a courses.access helper (404 for students and other courses' staff).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Exercise, pick_language
from courses.access import (
    get_enrollment,
    get_exercise_in_course,
    get_quiz_answer_for_staff,
    get_staff_enrollment,
    get_submission_for_staff,
)
from courses.models import CourseLesson
from grader import progress, quiz
from review import queue, scores, services
from review.forms import ConfirmForm, OverrideForm, RegradeForm, RevertForm
from review.models import RegradeRequest, ScoreChange
from submissions import charts
from submissions.compare import diff_rows
from submissions.models import QuizAnswer, Submission

PER_PAGE = 25


def _lang() -> str:
    return (get_language() or "pt-br").split("-")[0]


def _get_item_for_staff(request: HttpRequest, course_slug: str, kind: str, pk: int):
    if kind == queue.SUBMISSION:
        return get_submission_for_staff(request, course_slug, pk)
    if kind == queue.ANSWER:
        return get_quiz_answer_for_staff(request, course_slug, pk)
    get_staff_enrollment(request, course_slug)  # the same 404 for outsiders as for a real item
    raise Http404("no such kind of item")


def _query(raw: dict[str, str]) -> str:
    return "?" + urlencode(raw) if raw else ""


def item_url(course_slug: str, kind: str, pk: int, raw: dict[str, str] | None = None) -> str:
    return reverse("review_item", args=[course_slug, kind, pk]) + _query(raw or {})


@login_required
@require_GET
def review_queue(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    filters = queue.read_filters(course, request.GET)
    page = None
    rows: list[queue.Entry] = []
    if not filters.errors:
        page = Paginator(queue.entries(course, filters), PER_PAGE).get_page(request.GET.get("page"))
        rows = queue.load_page(list(page.object_list))
    lessons = [cl.lesson for cl in CourseLesson.objects.filter(course=course).select_related("lesson")]
    items = Exercise.objects.filter(lesson__in=lessons, active=True).select_related("current_version")
    return render(
        request,
        "review/queue.html",
        {
            "course": course,
            "enrollment": enrollment,
            "filters": filters,
            "page": page,
            "rows": rows,
            "lessons": lessons,
            "items": items,
            "reasons": list(queue.REASONS.items()),
            "low_confidence_text": queue.LOW_CONFIDENCE_TEXT,
            "query": _query(filters.raw),
            "page_query": urlencode(filters.raw),
        },
        status=400 if filters.errors else 200,
    )


def _neighbours(course, filters: queue.Filters, kind: str, item) -> dict:
    """The items before and after this one in the (filtered) queue, by the queue's order, even once it left it."""
    if filters.errors:
        return {"previous_url": None, "next_url": None, "position": None, "total": 0}
    listed = queue.entries(course, filters)
    mine = next((e for e in listed if e.key == (kind, item.pk)), None)
    key = (mine.at if mine else item.created_at, kind, item.pk)
    before = [e for e in listed if (e.at, e.kind, e.pk) < key]
    after = [e for e in listed if (e.at, e.kind, e.pk) > key]
    return {
        "previous_url": item_url(course.slug, before[-1].kind, before[-1].pk, filters.raw) if before else None,
        "next_url": item_url(course.slug, after[0].kind, after[0].pk, filters.raw) if after else None,
        "position": len(before) + 1 if mine else None,
        "total": len(listed),
        "queue_entry": mine,
    }


def _submission_context(submission: Submission) -> dict:
    report = submission.report or {}
    previous = (
        Submission.objects.filter(
            course=submission.course_id,
            student=submission.student_id,
            exercise=submission.exercise_id,
            created_at__lt=submission.created_at,
        )
        .order_by("-created_at")
        .first()
    )
    return {
        "code_lines": list(enumerate(submission.source.splitlines(), start=1)),
        "report": report,
        "message": pick_language(report.get("message") or {}),
        "checks": [
            {
                "title": pick_language(check.get("title") or {}) or check.get("name"),
                "passed": bool(check.get("passed")),
                "score": check.get("score"),
                "max_score": check.get("max_score"),
                "feedback": pick_language(check.get("feedback") or {}),
            }
            for check in report.get("checks", [])
        ],
        "private": report.get("private") or {},
        "chart": charts.context(progress.stored_series(report)),
        "chart_labels": charts.labels(),
        "previous": previous,
        "diff": diff_rows(previous.source, submission.source) if previous else None,
    }


def _low_confidence_reasons(details: dict) -> list[str]:
    out = []
    if details.get("flags"):
        out.append(_("flags: %(flags)s") % {"flags": ", ".join(map(str, details["flags"]))})
    if details.get("concepts") and details.get("misconceptions"):
        out.append(_("a concept and a misconception in the same answer"))
    confidence = details.get("confidence")
    if isinstance(confidence, (int, float)) and confidence < 0.5:
        out.append(_("confidence %(value)s") % {"value": f"{confidence:.0%}"})
    return out


def _answer_context(answer: QuizAnswer) -> dict:
    spec = answer.version.data["quiz"]
    item_type = quiz.item_type(spec["type"])
    previous = (
        QuizAnswer.objects.filter(
            course=answer.course_id,
            student=answer.student_id,
            exercise=answer.exercise_id,
            created_at__lt=answer.created_at,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    shown = item_type.answer_text(spec, answer.answer, _lang())
    details = answer.details or {}
    evidence = details.get("evidence") or {}
    return {
        "answer_text": shown,
        "feedback": pick_language(answer.feedback or {}),
        "details": details,
        "concepts": [(c, evidence.get(c, "")) for c in details.get("concepts", [])],
        "misconceptions": [(m, evidence.get(m, "")) for m in details.get("misconceptions", [])],
        "missing": [c["id"] for c in spec.get("concepts", []) if c["id"] not in details.get("concepts", [])],
        "low_confidence": _low_confidence_reasons(details),
        "previous": previous,
        "diff": diff_rows(item_type.answer_text(spec, previous.answer, _lang()), shown) if previous else None,
    }


def _render_item(request: HttpRequest, enrollment, kind: str, item, status: int = 200, **forms) -> HttpResponse:
    course = enrollment.course
    filters = queue.read_filters(course, request.GET)
    effective = scores.effective_score(item)
    context = {
        "course": course,
        "enrollment": enrollment,
        "kind": kind,
        "item": item,
        "student": item.student,
        "exercise": item.exercise,
        "title": item.version.display_title,
        "effective": effective,
        "grader_score": item.score,
        "in_force": scores.visible_override(item),
        "changes": ScoreChange.objects.filter(**{"submission" if kind == "submission" else "quiz_answer": item})
        .select_related("by")
        .order_by("at", "pk"),
        "regrade": RegradeRequest.objects.filter(
            course=course, student=item.student_id, exercise=item.exercise_id
        ).first(),
        "override_form": forms.get("override_form") or OverrideForm(max_score=item.max_score),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "revert_form": forms.get("revert_form") or RevertForm(),
        "query": _query(filters.raw),
        "filter_errors": filters.errors,
        "low_confidence_text": queue.LOW_CONFIDENCE_TEXT,
        **_neighbours(course, filters, kind, item),
    }
    context.update(_submission_context(item) if kind == queue.SUBMISSION else _answer_context(item))
    return render(request, "review/item.html", context, status=status)


@login_required
@require_GET
def review_item(request: HttpRequest, course_slug: str, kind: str, pk: int) -> HttpResponse:
    enrollment, item = _get_item_for_staff(request, course_slug, kind, pk)
    return _render_item(request, enrollment, kind, item)


def _score_text(value: float | None) -> str:
    return charts.number(value)  # in the page's locale ("7,5"); "–" for no score


@login_required
@require_POST
def override_score(request: HttpRequest, course_slug: str, kind: str, pk: int) -> HttpResponse:
    enrollment, item = _get_item_for_staff(request, course_slug, kind, pk)
    form = OverrideForm(request.POST, max_score=item.max_score)
    if not form.is_valid():
        return _render_item(request, enrollment, kind, item, status=400, override_form=form)
    data = form.cleaned_data
    change = services.override(item, request.user, data["new_score"], data["reason"], data["comment_for_student"])
    messages.success(
        request,
        _("Score changed for %(student)s: %(old)s → %(new)s.")
        % {
            "student": item.student.get_username(),
            "old": _score_text(change.old_score),
            "new": _score_text(change.new_score),
        },
    )
    return redirect(item_url(course_slug, kind, pk, queue.read_filters(enrollment.course, request.GET).raw))


@login_required
@require_POST
def confirm_score(request: HttpRequest, course_slug: str, kind: str, pk: int) -> HttpResponse:
    enrollment, item = _get_item_for_staff(request, course_slug, kind, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_item(request, enrollment, kind, item, status=400, confirm_form=form)
    try:
        change = services.confirm(item, request.user, form.cleaned_data["reply"])
    except services.ReviewRefused as exc:
        form.add_error("reply", str(exc))
        return _render_item(request, enrollment, kind, item, status=400, confirm_form=form)
    messages.success(
        request,
        _("Score confirmed for %(student)s: %(score)s.")
        % {"student": item.student.get_username(), "score": _score_text(change.new_score)},
    )
    return redirect(item_url(course_slug, kind, pk, queue.read_filters(enrollment.course, request.GET).raw))


@login_required
@require_POST
def revert_score(request: HttpRequest, course_slug: str, kind: str, pk: int) -> HttpResponse:
    enrollment, item = _get_item_for_staff(request, course_slug, kind, pk)
    form = RevertForm(request.POST)
    if not form.is_valid():
        return _render_item(request, enrollment, kind, item, status=400, revert_form=form)
    try:
        services.revert(item, request.user, form.cleaned_data["reason"].strip())
    except services.ReviewRefused as exc:
        form.add_error("reason", str(exc))
        return _render_item(request, enrollment, kind, item, status=400, revert_form=form)
    messages.success(request, _("Override removed: the grader's score counts again."))
    return redirect(item_url(course_slug, kind, pk, queue.read_filters(enrollment.course, request.GET).raw))


@login_required
@require_POST
def ask_regrade(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    """A student's regrade request on their own attempt; back to that attempt's page."""
    enrollment = get_enrollment(request, course_slug)
    exercise = get_exercise_in_course(enrollment.course, exercise_slug)
    mine = {"course": enrollment.course, "student": request.user, "exercise": exercise}
    raw_id = request.POST.get("item", "")
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 12):
        raise Http404("no such attempt")
    if exercise.kind == Exercise.CODE:
        item = get_object_or_404(Submission, pk=int(raw_id), **mine)
        back = reverse("submission", args=[item.pk])
    else:
        item = get_object_or_404(QuizAnswer, pk=int(raw_id), **mine)
        back = reverse("exercise", args=[course_slug, exercise_slug])
    form = RegradeForm(request.POST)
    message = request.POST.get("message", "")
    try:
        if not form.is_valid():
            raise services.ReviewRefused(" ".join(e for errors in form.errors.values() for e in errors))
        services.request_regrade(enrollment, item, form.cleaned_data["message"])
    except services.ReviewRefused as exc:
        messages.error(request, _("Your regrade request was not sent: %(reason)s") % {"reason": exc})
        request.session[services.REGRADE_DRAFT] = message[:4000]  # the form shows it again
    else:
        messages.success(request, _("Your regrade request was sent to your instructors."))
    return redirect(back + "#regrade")
