"""`python -m grader selftest`: prove that every exercise grades as its author says.

For a coding exercise: the reference solution scores full marks, the starter
scores less, and each sample in `wrong/` (a mistake students really make)
scores exactly what its `# expected_score:` header declares, on several seeds
of hidden inputs. For a quiz item: the keyed answer scores full marks and each
wrong option or value scores nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader import content, engine, quiz

SEEDS = (1, 2, 3)
_HEADER = re.compile(r"^#\s*expected_score:\s*([0-9.]+)\s*$", re.MULTILINE)


@dataclass
class Row:
    exercise: str
    sample: str
    expected: str
    got: str
    ok: bool


def _scores(exercise: content.Exercise, source: str, warm: bool) -> set[float]:
    return {engine.grade(exercise, source, seed=seed, warm=warm)["score"] for seed in SEEDS}


def _code_rows(exercise: content.Exercise, warm: bool) -> list[Row]:
    full = exercise.max_score
    rows = []
    got = _scores(exercise, (exercise.path / "solution.py").read_text(), warm)
    rows.append(Row(exercise.id, "solution.py", f"{full:g}", _fmt(got), got == {full}))
    got = _scores(exercise, exercise.starter, warm)
    rows.append(Row(exercise.id, "starter.py", f"< {full:g}", _fmt(got), max(got) < full))
    samples = sorted((exercise.path / "wrong").glob("*.py"))
    if len(samples) < 2:
        rows.append(Row(exercise.id, "wrong/", ">= 2 samples", str(len(samples)), False))
    for sample in samples:
        source = sample.read_text()
        header = _HEADER.search(source)
        if header is None:
            rows.append(Row(exercise.id, f"wrong/{sample.name}", "# expected_score: N", "missing", False))
            continue
        expected = float(header.group(1))
        got = _scores(exercise, source, warm)
        rows.append(Row(exercise.id, f"wrong/{sample.name}", f"{expected:g}", _fmt(got), got == {expected}))
    return rows


def _quiz_rows(exercise: content.Exercise) -> list[Row]:
    spec, points = exercise.quiz, float(exercise.quiz.get("points", 1))
    rows = []
    if spec["type"] == "numeric":
        keyed, wrong = set(), set()
        for student in range(20):
            params = quiz.params_for(spec, exercise.id, f"selftest:{student}")
            answer = float(params.get("answer", spec.get("answer", 0)))
            keyed.add(quiz.grade(spec, answer, params).score)
            wrong.add(quiz.grade(spec, answer + 0.05 + abs(answer) * 0.1, params).score)
        rows.append(Row(exercise.id, "keyed answer (20 students)", f"{points:g}", _fmt(keyed), keyed == {points}))
        rows.append(Row(exercise.id, "off by 5% or more", "0", _fmt(wrong), wrong == {0.0}))
    elif spec["type"] == "single_choice":
        for option in spec["options"]:
            expected = points if option["id"] == spec["answer"] else 0.0
            got = quiz.grade(spec, option["id"]).score
            rows.append(Row(exercise.id, f"option {option['id']}", f"{expected:g}", f"{got:g}", got == expected))
    else:
        for label, answer in _keyed_answers(spec):
            got = quiz.grade(spec, answer).score
            rows.append(Row(exercise.id, label, f"{points:g}", f"{got:g}", got == points))
        if spec["type"] in ("ordering", "parsons"):
            reversed_order = [item["id"] for item in reversed(spec["items"])]
            got = quiz.grade(spec, reversed_order).score
            rows.append(Row(exercise.id, "reversed order", "0", f"{got:g}", got == 0))
    for index, sample in enumerate(spec.get("samples", [])):
        expected = float(sample["score"]) * points
        try:
            got = quiz.grade(spec, sample["answer"], quiz.params_for(spec, exercise.id, "selftest")).score
        except quiz.MalformedAnswer:
            got = -1.0
        label = f"sample {index + 1}: " + str(sample["answer"]).replace("\n", " / ")[:30]
        rows.append(Row(exercise.id, label, f"{expected:.4g}", f"{got:.4g}", abs(got - expected) < 1e-3))
    return rows


def _keyed_answers(spec: dict) -> list[tuple[str, object]]:
    kind = spec["type"]
    if kind == "multiple_choice":
        return [("keyed answer", spec["answer"])]
    if kind in ("ordering", "parsons"):
        return [("keyed order", [item["id"] for item in spec["items"]])]
    if kind == "matching":
        return [("keyed matches", spec["answer"])]
    if kind == "short_answer":
        return [(f"accepted: {a}", a) for lang in ("pt", "en") for a in spec["accepted"].get(lang, [])]
    if kind == "list_answer":
        names = [item["names"][0] for item in spec["items"][: spec.get("required", len(spec["items"]))]]
        return [("first names of the required items", ", ".join(names))]
    return []


def _fmt(values: set[float]) -> str:
    return "/".join(f"{v:g}" for v in sorted(values))


def run(root: Path | None = None, warm: bool = True) -> tuple[list[Row], list[content.ContentError]]:
    _, exercises, errors = content.discover(root)
    rows: list[Row] = []
    for exercise in exercises:
        rows += _code_rows(exercise, warm) if exercise.kind == "code" else _quiz_rows(exercise)
    return rows, errors


def table(rows: list[Row]) -> str:
    headers = ("exercise", "sample", "expected", "got", "")
    lines = [headers] + [(r.exercise, r.sample, r.expected, r.got, "ok" if r.ok else "FAIL") for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in lines)
