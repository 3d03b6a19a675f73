"""Two attempts side by side: a line diff of the code of two submissions of one exercise.

A student compares their own attempts; an instructor of the course compares any
two attempts of one student. The diff is computed here with difflib and drawn as
one column (it must fit a phone), with each line's number in both versions.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from courses.access import get_enrollment, get_exercise_in_course
from submissions.models import Submission
from submissions.services import ATTEMPTS_SHOWN_MAX

# Unchanged lines kept around each change; longer unchanged runs fold into one "… n lines" row.
CONTEXT = 3


@dataclass(frozen=True)
class Row:
    kind: str  # "same", "del", "add" or "fold"
    old: int | None  # line number in the older attempt
    new: int | None  # line number in the newer attempt
    text: str


def diff_rows(old: str, new: str, context: int = CONTEXT) -> list[Row]:
    """The lines of `new` against `old`: removed, added and (near a change) unchanged ones."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            run = list(range(i2 - i1))
            first, last = i1 == 0, i2 == len(a)
            keep_head = 0 if first else context
            keep_tail = 0 if last else context
            if len(run) > keep_head + keep_tail + 1 and not (first and last):  # no change at all: keep it whole
                shown = run[:keep_head] + [None] + (run[-keep_tail:] if keep_tail else [])
            else:
                shown = run
            for k in shown:
                if k is None:
                    hidden = len(run) - keep_head - keep_tail
                    rows.append(Row("fold", None, None, str(hidden)))
                else:
                    rows.append(Row("same", i1 + k + 1, j1 + k + 1, a[i1 + k]))
            continue
        rows.extend(Row("del", i + 1, None, a[i]) for i in range(i1, i2))
        rows.extend(Row("add", None, j + 1, b[j]) for j in range(j1, j2))
    return rows


def _pick(request: HttpRequest, name: str, pool) -> Submission | None:
    raw = request.GET.get(name, "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        return None
    return pool.filter(pk=int(raw)).first()


def _choose(request: HttpRequest, pool) -> tuple[Submission | None, Submission | None, str | None, bool]:
    """The two attempts asked for (older first), why they cannot be shown, and whether that is a bad request."""
    if "a" not in request.GET and "b" not in request.GET:
        return None, None, None, False  # opened without a choice: the page offers one
    first, second = _pick(request, "a", pool), _pick(request, "b", pool)
    if second is not None and "a" not in request.GET:
        # "Changes since the previous attempt": the same student's attempt just before it.
        first = pool.filter(student=second.student_id, created_at__lt=second.created_at).first()
        if first is None:
            return None, None, _("This is the first attempt: there is no earlier one to compare it with."), False
    if first is None or second is None:
        # Someone else's attempt reads exactly like one that does not exist.
        return None, None, _("Choose two of your attempts of this exercise to compare."), True
    if first.student_id != second.student_id:
        return None, None, _("Both attempts must be by the same student."), True
    older, newer = sorted([first, second], key=lambda s: (s.created_at, s.pk))
    return older, newer, None, False


@login_required
@require_GET
def compare_attempts(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    enrollment = get_enrollment(request, course_slug)
    exercise = get_exercise_in_course(enrollment.course, exercise_slug)
    instructor = enrollment.is_staff_role
    pool = Submission.objects.filter(course=enrollment.course, exercise=exercise).select_related("student")
    if not instructor:
        pool = pool.filter(student=request.user)
    first, second, error, bad_request = _choose(request, pool)
    # The chooser lists the attempts of the student compared (an instructor's own: none): all of
    # them up to a bound a page can carry, the two compared always among them.
    attempts = pool.filter(student=first.student if first else request.user)
    # Only what an option shows: a page of 300 attempts must not read 300 programs and reports.
    choices = list(attempts.defer("source", "report")[:ATTEMPTS_SHOWN_MAX])
    listed = {choice.pk for choice in choices}
    for chosen in (second, first):
        if chosen is not None and chosen.pk not in listed:
            choices.append(chosen)
    total = attempts.count() if len(listed) >= ATTEMPTS_SHOWN_MAX else len(listed)
    rows = diff_rows(first.source, second.source) if first else []
    added = sum(row.kind == "add" for row in rows)
    removed = sum(row.kind == "del" for row in rows)
    return render(
        request,
        "submissions/compare.html",
        {
            "course": enrollment.course,
            "exercise": exercise,
            "version": exercise.current_version,
            "first": first,
            "second": second,
            "pair": [first, second] if first else [],
            "rows": rows,
            "added": added,
            "removed": removed,
            "identical": first is not None and not added and not removed,
            "error": error,
            "choices": choices,
            "choices_total": total,
            "choices_cut": total > ATTEMPTS_SHOWN_MAX,
            "choices_max": ATTEMPTS_SHOWN_MAX,
            "instructor": instructor,
        },
        status=400 if bad_request else 200,
    )
