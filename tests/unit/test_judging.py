"""Feedback helpers for checks: Portuguese numbers have a decimal comma."""

import ast
import re
from pathlib import Path

from grader.judging import pt_number

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


def test_portuguese_feedback_numbers_use_a_decimal_comma():
    assert pt_number(0.953, ".1%") == "95,3%"
    assert pt_number(2.0, ".3f") == "2,000"
    assert pt_number(12, "d") == "12"


def _decimal_fields(node: ast.AST) -> list[str]:
    """The f-string fields in `node` that would print a decimal point (`:.3f`, `:.1%`, ...)."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.FormattedValue) and isinstance(sub.format_spec, ast.JoinedStr):
            spec = "".join(p.value for p in sub.format_spec.values if isinstance(p, ast.Constant))
            if re.fullmatch(r"\.[1-9]\d*[fge%]", spec):
                found.append(ast.unparse(sub.value) + ":" + spec)
    return found


def test_no_portuguese_feedback_of_a_check_prints_a_decimal_point():
    """The `pt` message of every ok()/fail() in the bank's checks formats decimals through pt_number."""
    found = []
    for path in EXERCISES.glob("*/*/checks.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) in ("ok", "fail") and call.args:
                found += [f"{path.parent.name}:{call.lineno} {field}" for field in _decimal_fields(call.args[0])]
    assert not found, found
