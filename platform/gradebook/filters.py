"""What the gradebook page and its CSV were asked for: filters and sort order, checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gradebook.grid import Gradebook, StudentRow

SHOW_CHOICES = ("missing", "late", "overridden")
MAX_QUERY = 100


@dataclass
class Filters:
    raw: dict[str, str]
    q: str = ""
    lesson: str = ""
    show: str = ""
    sort: str = "student"
    descending: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def lesson_slugs(self) -> set[str] | None:
        return {self.lesson} if self.lesson else None


def parse(params, lesson_slugs: list[str]) -> Filters:
    """The filters in a query string; a value that names nothing is reported and left out."""
    keys = ("q", "lesson", "show", "sort", "order")
    raw = {k: params.get(k, "").strip()[:200] for k in keys if params.get(k, "").strip()}
    f = Filters(raw=raw)
    f.q = raw.get("q", "")[:MAX_QUERY]
    if raw.get("lesson"):
        if raw["lesson"] in lesson_slugs:
            f.lesson = raw["lesson"]
        else:
            f.errors.append(_("There is no lesson “%(slug)s” in this course.") % {"slug": raw["lesson"]})
    if raw.get("show"):
        if raw["show"] in SHOW_CHOICES:
            f.show = raw["show"]
        else:
            f.errors.append(_("“%(value)s” is not a filter of the gradebook.") % {"value": raw["show"]})
    if raw.get("sort"):
        kind, _sep, slug = raw["sort"].partition(":")
        if raw["sort"] in ("student", "total") or (kind in ("lesson", "item") and slug):
            f.sort = raw["sort"]
        else:
            f.errors.append(_("The gradebook cannot be sorted by “%(value)s”.") % {"value": raw["sort"]})
    if raw.get("order"):
        if raw["order"] in ("asc", "desc"):
            f.descending = raw["order"] == "desc"
        else:
            f.errors.append(_("The order is “asc” or “desc”."))
    return f


def _matches(row: StudentRow, q: str) -> bool:
    user = row.user
    q = q.casefold()
    return any(q in (text or "").casefold() for text in (user.username, user.get_full_name(), user.email))


def apply(book: Gradebook, f: Filters) -> list[StudentRow]:
    """The rows to show, filtered then sorted (a column named by `sort` that is not there: by student)."""
    rows = book.rows
    if f.q:
        rows = [r for r in rows if _matches(r, f.q)]
    if f.show == "missing":
        rows = [r for r in rows if any(r.cell(c.exercise.id).score is None for c in book.columns)]
    elif f.show == "late":
        rows = [r for r in rows if r.late]
    elif f.show == "overridden":
        rows = [r for r in rows if r.overridden]
    kind, _sep, slug = f.sort.partition(":")
    if kind == "total":
        key = lambda r: (r.total, r.user.username)  # noqa: E731
    elif kind == "lesson" and (group := next((g for g in book.lessons if g.lesson.slug == slug), None)):
        key = lambda r: (r.lesson_totals.get(group.lesson.id, 0.0), r.user.username)  # noqa: E731
    elif kind == "item" and (column := next((c for c in book.columns if c.exercise.slug == slug), None)):
        # Nothing yet sorts below a zero.
        key = lambda r: (  # noqa: E731
            -1.0 if r.cell(column.exercise.id).score is None else r.cell(column.exercise.id).score,
            r.user.username,
        )
    else:
        key = lambda r: r.user.username.casefold()  # noqa: E731
    return sorted(rows, key=key, reverse=f.descending)
