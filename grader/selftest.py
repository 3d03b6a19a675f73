"""`python -m grader selftest`: prove that every exercise grades as its author says.

For a coding exercise: the reference solution scores full marks, the starter
scores less, and each sample in `wrong/` (a mistake students really make)
scores exactly what its `# expected_score:` header declares, on several seeds
of hidden inputs. For a quiz item: each keyed answer its type declares
(`ItemType.keyed_answers`: the key scores full marks, each wrong option or
value nothing) and each `[[quiz.samples]]` the share it declares; where the
item has an answer corpus (`answers.toml`), every answer in it is graded and
the item fails on a false pass, a false fail or agreement under 90%
(grader/corpus.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader import content, corpus, engine, quiz

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
    item = quiz.item_type(spec["type"])
    # Each keyed answer (label, answer, fraction of the points), graded for every student the type asks for.
    keyed: list[tuple[str, float, set[float]]] = []
    for student in range(item.selftest_students):
        params = quiz.params_for(spec, exercise.id, f"selftest:{student}")
        for index, (label, answer, fraction) in enumerate(item.keyed_answers(spec, params)):
            if student == 0:
                keyed.append((label, fraction * points, set()))
            keyed[index][2].add(_score(spec, answer, params))
    rows = [Row(exercise.id, label, f"{want:g}", _fmt(got), got == {want}) for label, want, got in keyed]
    for index, sample in enumerate(spec.get("samples", [])):
        wanted = float(sample["score"]) * points
        score = _score(spec, sample["answer"], quiz.params_for(spec, exercise.id, "selftest"))
        label = f"sample {index + 1}: " + str(sample["answer"]).replace("\n", " / ")[:30]
        rows.append(Row(exercise.id, label, f"{wanted:.4g}", f"{score:.4g}", abs(score - wanted) < 1e-3))
    return rows + _corpus_rows(exercise)


def _corpus_rows(exercise: content.Exercise) -> list[Row]:
    """The item's answer corpus: agreement with the teacher's labels, false passes, false fails."""
    report = corpus.grade_corpus(exercise.id, exercise.path, exercise.quiz, quiz.grade)
    if report is None:
        return []
    rows = [Row(exercise.id, f"{corpus.FILE}: {error}", "valid", "error", False) for error in report.errors]
    n = len(report.outcomes)
    rows.append(
        Row(
            exercise.id,
            f"corpus: {n} answers agree",
            f">= {corpus.AGREEMENT_TARGET:.0%}",
            f"{report.agreement:.0%}",
            bool(n) and report.agreement >= corpus.AGREEMENT_TARGET,
        )
    )
    for kind, misses in (("false passes", report.false_passes), ("false fails", report.false_fails)):
        rows.append(Row(exercise.id, f"corpus: {kind}", "0", str(len(misses)), not misses))
        for outcome in misses:
            got = "refused" if outcome.got is None else f"{outcome.got:.2f}"
            label = "  " + outcome.entry.text.replace("\n", " / ")[:40]
            rows.append(Row(exercise.id, label, f"{outcome.entry.expected:g}", got, False))
    return rows


def _score(spec: dict, answer: object, params: dict) -> float:
    """The score, or -1 for an answer the grader cannot read."""
    try:
        return quiz.grade(spec, answer, params).score
    except quiz.MalformedAnswer:
        return -1.0


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
