"""Short durations for the operations page: "42 s", "3 min 5 s", "2 h 3 min" (the same in pt and en)."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.formats import number_format

from catalog.models import pick_language

register = template.Library()


@register.filter
def seconds(value: int | float | timedelta | None) -> str:
    if value is None:
        return "—"
    total = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if total < 10:
        return f"{number_format(total, 1)} s"  # 4,2 s in Portuguese
    whole = int(round(total))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def workers_on(state, queue: str) -> list:
    """The workers of a broker.BrokerState that consume `queue`."""
    return state.workers_on(queue)


@register.filter
def report_message(report) -> str:
    """The report's message in the page's language."""
    message = report.get("message") if isinstance(report, dict) else None
    return pick_language(message) if isinstance(message, dict) else ""
