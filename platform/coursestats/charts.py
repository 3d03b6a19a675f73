"""The statistics pages' charts, drawn on the server as inline SVG, each with a caption and a data table.

Geometry is computed here and handed to the templates as strings (coordinates with a point as
decimal separator whatever the page's language); every text goes through the templates, so it
is escaped there. The SVG scales to its box (viewBox, width 100%), so it fits a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coursestats.stats import BINS, Completion
from submissions.charts import rows_shown

WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 46, 12, 22, 40
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TABLE_ROWS = 60


def _c(value: float) -> str:
    """A coordinate as SVG reads it."""
    return f"{value:.1f}"


def percent(share: float) -> str:
    return number_format(round(share * 100), force_grouping=True) + "%"


def short_date(day: date) -> str:
    return date_format(day, "j b")


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    label_x: str
    label_y: str
    axis_label: str
    count: int


def bin_names() -> list[str]:
    """What each bar holds, in words (the data table's first column)."""
    names = [_("%(low)d%% to under %(high)d%%") % {"low": i * 10, "high": (i + 1) * 10} for i in range(BINS - 1)]
    return names + [_("full score (100%)")]


def histogram(bins: list[int], scored: int) -> dict | None:
    """Bars of students per tenth of the points, the last one full marks; None when nobody has a score."""
    if not scored:
        return None
    top = max(bins) or 1
    slot = PLOT_W / len(bins)
    bars = []
    for index, count in enumerate(bins):
        height = count / top * PLOT_H
        x = LEFT + index * slot + slot * 0.1
        y = TOP + PLOT_H - height
        bars.append(
            Bar(
                x=_c(x),
                y=_c(y),
                width=_c(slot * 0.8),
                height=_c(height),
                label_x=_c(x + slot * 0.4),
                label_y=_c(y - 5),
                axis_label=str(index * 10),
                count=count,
            )
        )
    names = bin_names()
    largest = max(range(len(bins)), key=lambda i: (bins[i], i))
    caption = ngettext(
        "Counted scores of %(n)d student, in tenths of the item's points; the last bar is full score.",
        "Counted scores of %(n)d students, in tenths of the item's points; the last bar is full score.",
        scored,
    ) % {"n": scored}
    caption += " " + _("The most students (%(count)d) are at %(bin)s.") % {
        "count": bins[largest],
        "bin": names[largest],
    }
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "baseline": _c(TOP + PLOT_H),
        "left": _c(LEFT),
        "right": _c(LEFT + PLOT_W),
        "top": _c(TOP),
        "top_count": top,
        "axis_y": _c(TOP + PLOT_H + 16),
        "title_x": _c(LEFT + PLOT_W / 2),
        "title_y": _c(HEIGHT - 4),
        "caption": caption,
        "rows": [(name, count, percent(count / scored)) for name, count in zip(names, bins, strict=True)],
    }


def completion(data: Completion | None) -> dict | None:
    """A line of the share of enrolled students done with the lesson, day by day; the due date marked."""
    if data is None or not data.enrolled:
        return None
    span = max(len(data.days) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index / span * PLOT_W

    def y(count: int) -> float:
        return TOP + PLOT_H - data.share(count) * PLOT_H

    path = f"M{_c(x(0))} {_c(y(data.done[0]))}"
    for index in range(1, len(data.days)):
        path += f" H{_c(x(index))} V{_c(y(data.done[index]))}"
    if len(data.days) == 1:
        path += f" H{_c(LEFT + PLOT_W)}"
    ticks = [
        {"y": _c(y_pos), "label": f"{share}%"}
        for share, y_pos in ((s, TOP + PLOT_H * (1 - s / 100)) for s in (0, 25, 50, 75, 100))
    ]
    last = len(data.days) - 1
    x_ticks = [(0, "start")] + ([(last, "end")] if last else [])
    if last >= 6:
        x_ticks.insert(1, (last // 2, "middle"))
    due = None
    if data.due_in_range:
        index = (data.due - data.days[0]).days
        due = {"x": _c(x(index)), "label": _("due %(date)s") % {"date": short_date(data.due)}}
        # Text anchored so that it stays inside the chart near either edge.
        due["anchor"] = "end" if index > last / 2 else "start"
        due["text_x"] = _c(x(index) + (-4 if due["anchor"] == "end" else 4))
    final = data.done[-1]
    caption = _(
        "By %(date)s, %(count)d of %(enrolled)d enrolled students (%(share)s) had a counted score on every item."
    ) % {
        "date": short_date(data.days[-1]),
        "count": final,
        "enrolled": data.enrolled,
        "share": percent(data.share(final)),
    }
    if data.due is None:
        caption += " " + _("The lesson has no due date.")
    else:
        at_due = data.done[(data.due - data.days[0]).days] if data.due_in_range else None
        if at_due is not None:
            caption += " " + _("At the due date, %(date)s: %(count)d (%(share)s).") % {
                "date": short_date(data.due),
                "count": at_due,
                "share": percent(data.share(at_due)),
            }
        else:
            caption += " " + _("The due date, %(date)s, is outside the days shown.") % {"date": short_date(data.due)}
    # The table: the days something changed, the first and last days and the due date, at most TABLE_ROWS.
    wanted = sorted(
        {0, last}
        | {i for i in range(1, len(data.days)) if data.done[i] != data.done[i - 1]}
        | ({(data.due - data.days[0]).days} if data.due_in_range else set())
    )
    wanted = [wanted[i] for i in rows_shown(len(wanted), TABLE_ROWS)]
    rows = [
        (
            date_format(data.days[i], "SHORT_DATE_FORMAT"),
            data.done[i],
            percent(data.share(data.done[i])),
            data.due_in_range and data.days[i] == data.due,
        )
        for i in wanted
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "path": path,
        "left": _c(LEFT),
        "right": _c(LEFT + PLOT_W),
        "top": _c(TOP),
        "baseline": _c(TOP + PLOT_H),
        "label_x": _c(LEFT - 6),
        "ticks": ticks,
        "x_ticks": [
            {
                "x": _c(x(i)),
                "label": short_date(data.days[i]),
                "anchor": {"start": "start", "end": "end"}.get(where, "middle"),
            }
            for i, where in x_ticks
        ],
        "axis_y": _c(TOP + PLOT_H + 16),
        "due": due,
        "end_x": _c(x(last) if last else LEFT + PLOT_W),
        "end_y": _c(y(final)),
        "caption": caption,
        "rows": rows,
    }
