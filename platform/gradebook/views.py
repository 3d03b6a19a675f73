"""The gradebook page and its CSV export (staff of the course: instructors and teaching assistants)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from courses.access import get_staff_enrollment
from courses.models import CourseLesson
from gradebook import export, filters, grid
from review.queue import ANSWER, SUBMISSION


def _book(request: HttpRequest, course_slug: str):
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    lessons = [
        cl.lesson for cl in CourseLesson.objects.filter(course=course).select_related("lesson").order_by("order", "pk")
    ]
    chosen = filters.parse(request.GET, [lesson.slug for lesson in lessons])
    if chosen.errors:
        # A filter that names nothing: say so, and show the whole gradebook rather than a guess.
        book = grid.build(course)
        rows = book.rows
    else:
        book = grid.build(course, chosen.lesson_slugs)
        rows = filters.apply(book, chosen)
    return enrollment, book, rows, chosen, lessons


@login_required
@require_GET
def gradebook(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment, book, rows, chosen, lessons = _book(request, course_slug)
    base = {k: v for k, v in chosen.raw.items() if k not in ("sort", "order")} if not chosen.errors else {}

    def sort_link(key: str) -> dict:
        """The header link that sorts by `key` (again: the other way), and its aria-sort state."""
        active = chosen.sort == key and not chosen.errors
        # Again: the other way round; else names A to Z and scores highest first.
        first = "asc" if key == "student" else "desc"
        order = ("asc" if chosen.descending else "desc") if active else first
        state = ("descending" if chosen.descending else "ascending") if active else None
        return {"href": "?" + urlencode({**base, "sort": key, "order": order}), "aria": state}

    kinds = {column.exercise.id: SUBMISSION if column.exercise.kind == "code" else ANSWER for column in book.columns}
    table = [
        {
            "row": row,
            "groups": [
                {
                    "cells": [(c, row.cell(c.exercise.id), kinds[c.exercise.id]) for c in g.columns],
                    "total": row.lesson_totals.get(g.lesson.id, 0.0),
                }
                for g in book.lessons
            ],
        }
        for row in rows
    ]
    return render(
        request,
        "gradebook/gradebook.html",
        {
            "course": book.course,
            "enrollment": enrollment,
            "book": book,
            "table": table,
            "filters": chosen,
            "lessons": lessons,
            "show_choices": filters.SHOW_CHOICES,
            "sorts": {"student": sort_link("student"), "total": sort_link("total")},
            "header": [
                {
                    "group": g,
                    "items": [(c, sort_link(f"item:{c.exercise.slug}")) for c in g.columns],
                    "total": sort_link(f"lesson:{g.lesson.slug}"),
                }
                for g in book.lessons
            ],
            "export_query": urlencode(chosen.raw) if not chosen.errors else "",
            "student_count": len(book.rows),
        },
    )


@login_required
@require_GET
def gradebook_csv(request: HttpRequest, course_slug: str) -> HttpResponse:
    _enrollment, book, rows, _chosen, _lessons = _book(request, course_slug)
    decimal_comma = request.GET.get("decimal", "comma") != "point"
    body = export.render(book, rows, decimal_comma)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="gradebook-{book.course.slug}-{stamp}.csv"'
    return response
