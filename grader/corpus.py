"""Answer corpora: labelled student answers that prove a quiz item grades as a teacher would.

An item folder may hold `answers.toml`, a list of `[[answers]]` with the text a
student typed, its language, the fraction of the points a teacher gives
(`expected`) and, for free-text items, the concepts the teacher credits and the
misconceptions the answer states. `grader selftest` grades every entry and
fails the item when a wrong answer (expected 0) gets two thirds of the points
or more, a correct one (expected 1) gets a third or less, or fewer than 90% of
the answers agree with their label.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AGREEMENT_TARGET = 0.9
AGREE_WITHIN = 0.1  # a score agrees with its label when it is this close (fraction of the points)
FALSE_PASS_AT = 2 / 3
FALSE_FAIL_AT = 1 / 3
FILE = "answers.toml"


@dataclass
class Entry:
    text: str
    lang: str
    expected: float
    concepts: list[str] = field(default_factory=list)
    misconceptions: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Outcome:
    entry: Entry
    got: float | None  # None: refused as malformed
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def agrees(self) -> bool:
        return self.got is not None and abs(self.got - self.entry.expected) <= AGREE_WITHIN

    @property
    def false_pass(self) -> bool:
        return self.entry.expected == 0 and self.got is not None and self.got >= FALSE_PASS_AT - 1e-9

    @property
    def false_fail(self) -> bool:
        return self.entry.expected == 1 and (self.got is None or self.got <= FALSE_FAIL_AT + 1e-9)


@dataclass
class Report:
    exercise: str
    outcomes: list[Outcome]
    errors: list[str]

    @property
    def agreement(self) -> float:
        return sum(o.agrees for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def false_passes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.false_pass]

    @property
    def false_fails(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.false_fail]

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and bool(self.outcomes)
            and not self.false_passes
            and not self.false_fails
            and self.agreement >= AGREEMENT_TARGET
        )


def load(folder: Path, spec: dict, name: str = FILE) -> tuple[list[Entry], list[str]]:
    """Read and check the corpus of one item; returns its entries and the problems found."""
    path = folder / name
    if not path.is_file():
        return [], []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return [], [f"{name}: not valid TOML: {exc}"]
    raw = data.get("answers")
    if not isinstance(raw, list) or not raw:
        return [], [f"{name}: needs [[answers]] entries"]
    concept_ids = [c.get("id") for c in spec.get("concepts", [])]
    misconception_ids = [m.get("id") for m in spec.get("misconceptions", [])]
    entries, errors = [], []
    for index, item in enumerate(raw):
        where = f"{name}: answers[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or item.get("lang") not in ("pt", "en"):
            errors.append(f"{where}: needs text and lang (pt or en)")
            continue
        expected = item.get("expected")
        if isinstance(expected, bool) or not isinstance(expected, (int, float)) or not 0 <= expected <= 1:
            errors.append(f"{where}: expected must be a fraction of the points, 0 to 1")
            continue
        entry = Entry(
            text=item["text"],
            lang=item["lang"],
            expected=float(expected),
            concepts=list(item.get("concepts", [])),
            misconceptions=list(item.get("misconceptions", [])),
            note=str(item.get("note", "")),
        )
        if spec.get("type") == "free_text":
            unknown = set(entry.concepts) - set(concept_ids) | set(entry.misconceptions) - set(misconception_ids)
            if unknown:
                errors.append(f"{where}: unknown concept or misconception ids {sorted(unknown)}")
                continue
            weights = {c.get("id"): c.get("weight", 1) for c in spec.get("concepts", [])}
            penalties = {m.get("id"): m.get("penalty", 1) for m in spec.get("misconceptions", [])}
            total = sum(weights.values())
            labelled = sum(weights[c] for c in entry.concepts) - sum(penalties[m] for m in entry.misconceptions)
            if abs(max(0.0, min(1.0, labelled / total)) - entry.expected) > 1e-3:
                errors.append(
                    f"{where}: expected {entry.expected} does not follow from its concepts and misconceptions"
                )
                continue
        entries.append(entry)
    return entries, errors


def grade_corpus(exercise_id: str, folder: Path, spec: dict, grade, name: str = FILE) -> Report | None:
    """Grade every entry with `grade(spec, answer) -> QuizResult`; None when the item has no corpus."""
    from grader.quiz import MalformedAnswer

    entries, errors = load(folder, spec, name)
    if not entries and not errors:
        return None
    outcomes = []
    points = float(spec.get("points", 1))
    for entry in entries:
        try:
            result = grade(spec, entry.text)
        except MalformedAnswer:
            outcomes.append(Outcome(entry, None))
            continue
        outcomes.append(Outcome(entry, round(result.score / points, 4), result.details))
    return Report(exercise_id, outcomes, errors)
