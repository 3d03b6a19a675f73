"""`python -m grader selftest`: prove that every exercise grades as its author says.

For a coding exercise, on each of N seeds of hidden inputs (`--seeds`, 5 in
`make test`, 50 in `make selftest-slow`): the reference solution scores full
marks, the starter scores less, each sample in `right/` (a correct solution
written another way, at least two) scores full marks, and each sample in
`wrong/` (a mistake students really make, at least two) scores exactly what its
`# expected_score:` header declares. A row that fails names the seeds it failed
on. For a quiz item: each keyed answer its type declares
(`ItemType.keyed_answers`: the key scores full marks, each wrong option or
value nothing) and each `[[quiz.samples]]` the share it declares; where the
item has an answer corpus (`answers.toml`), every answer in it is graded and
the item fails on a false pass, a false fail or agreement under 90%
(grader/corpus.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader import content, corpus, engine, quiz

DEFAULT_SEEDS = 5  # make test
SLOW_SEEDS = 50  # make selftest-slow
MIN_SAMPLES = 2  # in right/ and in wrong/, per coding exercise
_HEADER = re.compile(r"^#\s*expected_score:\s*([0-9.]+)\s*$", re.MULTILINE)


def seeds(count: int) -> tuple[int, ...]:
    """`count` distinct seeds, the same on every run (so a failure can be replayed with `grade --seed`)."""
    if count < 1:
        raise ValueError(f"need at least one seed, got {count}")
    return tuple(range(1, count + 1))


@dataclass
class Row:
    exercise: str
    sample: str
    expected: str
    got: str
    ok: bool
    failed_seeds: dict[int, float] | None = None  # seed -> score, for the seeds that broke the row


def _scores(exercise: content.Exercise, source: str, warm: bool, seed_list: tuple[int, ...]) -> dict[int, float]:
    return {seed: engine.grade(exercise, source, seed=seed, warm=warm)["score"] for seed in seed_list}


def _graded_row(
    exercise: content.Exercise, label: str, expected: str, scores: dict[int, float], good: Callable[[float], bool]
) -> Row:
    bad = {seed: score for seed, score in scores.items() if not good(score)}
    return Row(exercise.id, label, expected, _fmt(set(scores.values())), not bad, bad or None)


def _code_rows(exercise: content.Exercise, warm: bool, seed_list: tuple[int, ...]) -> list[Row]:
    full = exercise.max_score
    rows = []
    scores = _scores(exercise, (exercise.path / "solution.py").read_text(), warm, seed_list)
    rows.append(_graded_row(exercise, "solution.py", f"{full:g}", scores, lambda s: s == full))
    scores = _scores(exercise, exercise.starter, warm, seed_list)
    rows.append(_graded_row(exercise, "starter.py", f"< {full:g}", scores, lambda s: s < full))
    for folder in ("right", "wrong"):
        samples = sorted((exercise.path / folder).glob("*.py"))
        if len(samples) < MIN_SAMPLES:
            rows.append(Row(exercise.id, f"{folder}/", f">= {MIN_SAMPLES} samples", str(len(samples)), False))
        for sample in samples:
            rows.append(_sample_row(exercise, folder, sample, warm, seed_list))
    return rows


def _sample_row(exercise: content.Exercise, folder: str, sample: Path, warm: bool, seed_list: tuple[int, ...]) -> Row:
    """A right/ sample must score full marks (a header is optional, and must say so); a wrong/ one its header."""
    label, source, full = f"{folder}/{sample.name}", sample.read_text(), exercise.max_score
    header = _HEADER.search(source)
    if header is None and folder == "wrong":
        return Row(exercise.id, label, "# expected_score: N", "missing", False)
    expected = float(header.group(1)) if header else full
    if folder == "right" and expected != full:
        return Row(exercise.id, label, f"{full:g} (a right/ sample)", f"header says {expected:g}", False)
    scores = _scores(exercise, source, warm, seed_list)
    return _graded_row(exercise, label, f"{expected:g}", scores, lambda s: s == expected)


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


def run(
    root: Path | None = None,
    warm: bool = True,
    seed_count: int = DEFAULT_SEEDS,
    timings: dict[str, float] | None = None,
    only: set[str] | None = None,
) -> tuple[list[Row], list[content.ContentError]]:
    """Every exercise's rows (or those named in `only`); `timings`, when given, receives each one's seconds."""
    seed_list = seeds(seed_count)
    _, exercises, errors = content.discover(root)
    rows: list[Row] = []
    for exercise in exercises:
        if only is not None and exercise.id not in only:
            continue
        started = time.monotonic()
        rows += _code_rows(exercise, warm, seed_list) if exercise.kind == "code" else _quiz_rows(exercise)
        if timings is not None:
            timings[exercise.id] = time.monotonic() - started
    return rows, errors


def _seeds_cell(failed: dict[int, float] | None, shown: int = 6) -> str:
    """Which seeds broke the row, with the score each gave: "seeds 4: 8, 17: 8"."""
    if not failed:
        return ""
    items = [f"{seed}: {score:g}" for seed, score in sorted(failed.items())]
    more = f" (+{len(items) - shown} more)" if len(items) > shown else ""
    return ("seed " if len(items) == 1 else "seeds ") + ", ".join(items[:shown]) + more


def table(rows: list[Row]) -> str:
    headers = ("exercise", "sample", "expected", "got", "", "failed on")
    lines = [headers] + [
        (r.exercise, r.sample, r.expected, r.got, "ok" if r.ok else "FAIL", _seeds_cell(r.failed_seeds)) for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )
