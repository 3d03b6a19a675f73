"""The training chart's text alternative, rendered server-side: its caption and its table.

The page's script draws the SVG and keeps caption and table up to date as
points arrive, from the same strings (`labels`) and the same rules: a caption
sentence per metric, and a table of at most TABLE_ROWS evenly spaced points.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

TABLE_ROWS = 50


def labels() -> dict[str, str]:
    """What the script says, translated; `%(name)s` placeholders are filled in the browser."""
    return {
        "fell": _("%(metric)s fell from %(first)s at step %(first_step)s to %(last)s at step %(last_step)s."),
        "rose": _("%(metric)s rose from %(first)s at step %(first_step)s to %(last)s at step %(last_step)s."),
        "stayed": _("%(metric)s stayed at %(last)s from step %(first_step)s to step %(last_step)s."),
        "single": _("%(metric)s was %(last)s at step %(last_step)s."),
        "table": _("Table of the values (%(shown)s of %(count)s points)"),
        "step": _("Step"),
    }


def number(value: float | None) -> str:
    """Four significant digits in the page's locale (as the script's Intl.NumberFormat writes them)."""
    if value is None:
        return "–"
    rounded = float(f"{value:.4g}")
    return number_format(int(rounded) if rounded.is_integer() else rounded, force_grouping=True)


def integer(value: int) -> str:
    return number_format(value, force_grouping=True)


def rows_shown(count: int, limit: int = TABLE_ROWS) -> list[int]:
    """Indices of the points the table shows: all of them, or `limit` evenly spaced, first and last included."""
    if count <= limit:
        return list(range(count))
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})


def caption(series: dict) -> str:
    """One sentence per metric: where it started and where it ended."""
    text = labels()
    sentences = []
    for column, name in enumerate(series["names"], start=1):
        points = [point for point in series["points"] if point[column] is not None]
        if not points:
            continue
        first, last = points[0], points[-1]
        values = {
            "metric": name,
            "first": number(first[column]),
            "last": number(last[column]),
            "first_step": integer(first[0]),
            "last_step": integer(last[0]),
        }
        if len(points) == 1:
            kind = "single"
        elif values["first"] == values["last"]:
            kind = "stayed"
        else:
            kind = "fell" if last[column] < first[column] else "rose"
        sentences.append(text[kind] % values)
    return " ".join(sentences)


def context(series: dict | None) -> dict | None:
    """What the template needs to show the chart's caption and table without the script; None with no points."""
    if not series or not series.get("points"):
        return None
    points = series["points"]
    shown = rows_shown(len(points))
    return {
        "caption": caption(series),
        "names": series["names"],
        "rows": [[integer(points[i][0]), *(number(value) for value in points[i][1:])] for i in shown],
        "table_summary": labels()["table"] % {"shown": len(shown), "count": len(points)},
    }
