"""Quiz grading: pure functions, run in the web request (nothing untrusted runs).

One module per item type (`numeric`, `single_choice`, ...), each a subclass of
`base.ItemType`, listed in `registry`. Per-student parameters come from a named
generator in `generators.GENERATORS`, seeded from the exercise and the student,
so the same student always sees the same numbers and an instructor can
recompute them. This module is the API the site, the selftest and the tests use.
"""

from __future__ import annotations

import re
from typing import Any

from grader.quiz.base import ItemType, MalformedAnswer, QuizResult, normalize
from grader.quiz.generators import GENERATORS, params_for, seed_for
from grader.quiz.numeric import parse_number
from grader.quiz.registry import TYPES, item_type

__all__ = [
    "GENERATORS",
    "TYPES",
    "ItemType",
    "MalformedAnswer",
    "QuizResult",
    "format_value",
    "grade",
    "item_type",
    "normalize",
    "params_for",
    "parse_number",
    "render_prompt",
    "seed_for",
]


def grade(spec: dict, answer: Any, params: dict | None = None) -> QuizResult:
    """Grade one answer. Raises MalformedAnswer when it cannot be read."""
    return item_type(spec["type"]).grade(spec, answer, params or {})


def format_value(value: Any, lang: str) -> str:
    """Numbers as the reader writes them: 0,5 in Portuguese, 0.5 in English."""
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "pt" else text
    if isinstance(value, list):
        # A list of [label, number] pairs reads as "a: 1,5; b: 2"; ";" since "," is the pt decimal mark.
        parts = [
            f"{item[0]}: {format_value(item[1], lang)}"
            if isinstance(item, list) and len(item) == 2
            else format_value(item, lang)
            for item in value
        ]
        return "; ".join(parts)
    return str(value)


def render_prompt(template: str, params: dict, lang: str = "pt") -> str:
    """Fill `{{name}}` placeholders; unknown names stay visible so authors notice."""

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key in params and key != "answer":
            return format_value(params[key], lang)
        return match.group(0)

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", replace, template)
