"""`ordering` and `parsons`: items (or lines of code) shown shuffled, numbered back into a right order.

Without `rules`, the one right order is the order the items are listed in. With
`rules`, every order that keeps them all is right (the listed one must be one of
them): `before` says an item comes before another, `not_between = [a, b]` that
it never falls after `a` and before `b`. A broken rule's `feedback` is said back.

`credit` is the item's choice: `all_or_nothing` (a right order or nothing) or
`longest_run` (the share of the items that stand in a right order from the first
one up to the first out of place: an order that breaks at its first step earns
nothing, however tidy its tail).
"""

from __future__ import annotations

import re
from itertools import permutations
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.fields import Bilingual, Id, Strict, problem
from grader.quiz.base import (
    Item,
    ItemType,
    MalformedAnswer,
    QuizResult,
    Sample,
    SpecBase,
    item_view,
    pick,
    points,
    result,
    shuffled,
    unique_ids,
)

MAX_ITEMS = 8  # students number them by hand; the right orders are found by trying every one

CREDIT_NOTES = {
    "all_or_nothing": {
        "pt": "Vale tudo ou nada: só uma ordem certa ganha os pontos.",
        "en": "All or nothing: only a right order earns the points.",
    },
    "longest_run": {
        "pt": "Vale crédito parcial: a parte em ordem certa desde o primeiro item até o primeiro fora do lugar.",
        "en": "Partial credit: the part in a right order from the first item up to the first one out of place.",
    },
}
MANY_RIGHT = {
    "pt": "Há mais de uma ordem certa; qualquer uma vale.",
    "en": "More than one order is right; any of them counts.",
}


class OrderingSample(Sample):
    answer: list[str]


class Rule(Strict):
    """Something every right order keeps: `item` comes `before` another, or is `not_between` two."""

    item: Id
    before: Annotated[Id | None, Field(description="an item that must come after this one")] = None
    not_between: Annotated[
        list[Id] | None,
        Field(min_length=2, max_length=2, description="[a, b]: this item never falls after a and before b"),
    ] = None
    feedback: Annotated[Bilingual | None, Field(description="said back when an answer breaks the rule")] = None

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        if (self.before is None) == (self.not_between is None):
            raise problem("", "needs exactly one of 'before' or 'not_between'")
        others = [self.before] if self.before is not None else list(self.not_between or [])
        if self.item in others or len(set(others)) != len(others):
            raise problem("", "names three different items (two for 'before')")
        return self


class OrderingSpec(SpecBase):
    type: Literal["ordering"]
    items: Annotated[list[Item], Field(min_length=2, max_length=MAX_ITEMS, description="listed in a right order")]
    rules: Annotated[
        list[Rule],
        Field(description="when given, every order that keeps them all is right; else only the listed order"),
    ] = []
    credit: Annotated[
        Literal["all_or_nothing", "longest_run"],
        Field(description="all_or_nothing, or longest_run: the share in a right order up to the first misplaced item"),
    ] = "all_or_nothing"
    feedback_wrong: Bilingual | None = None
    samples: list[OrderingSample] = []

    @model_validator(mode="after")
    def _rules_fit(self) -> OrderingSpec:
        unique_ids(self.items, "items")
        ids = [item.id for item in self.items]
        for index, rule in enumerate(self.rules):
            named = [rule.item, *([rule.before] if rule.before else []), *(rule.not_between or [])]
            unknown = [name for name in named if name not in ids]
            if unknown:
                raise problem(f"rules[{index}]", f"names no item: {', '.join(unknown)}")
        rules = [rule.model_dump(exclude_none=True) for rule in self.rules]
        for index, rule in enumerate(rules):
            if _breaks(rule, ids):
                raise problem(f"rules[{index}]", "the items are not listed in an order that keeps this rule")
        return self


class ParsonsSpec(OrderingSpec):
    type: Literal["parsons"]  # type: ignore[assignment]


def _ids(spec: dict) -> list[str]:
    return [item["id"] for item in spec["items"]]


def _rules(spec: dict) -> list[dict]:
    """The item's rules; without any, each item comes right before the next one as listed."""
    if spec.get("rules"):
        return spec["rules"]
    ids = _ids(spec)
    return [{"item": a, "before": b} for a, b in zip(ids, ids[1:], strict=False)]


def _breaks(rule: dict, order: list[str]) -> bool:
    position = {item: index for index, item in enumerate(order)}
    if "before" in rule:
        return position[rule["item"]] > position[rule["before"]]
    first, last = rule["not_between"]
    return position[first] < position[rule["item"]] < position[last]


def right_orders(spec: dict) -> list[list[str]]:
    """Every right order, the listed one first."""
    ids = _ids(spec)
    if not spec.get("rules"):
        return [ids]
    found = [list(order) for order in permutations(ids) if not any(_breaks(r, list(order)) for r in spec["rules"])]
    return sorted(found, key=lambda order: order != ids)


def _run(order: list[str], rights: list[list[str]]) -> int:
    """How many items, from the first, stand as they do in some right order."""
    best = 0
    for right in rights:
        length = 0
        while length < len(order) and order[length] == right[length]:
            length += 1
        best = max(best, length)
    return best


def _credit(spec: dict, order: list[str], rights: list[list[str]]) -> float:
    if order in rights:
        return 1.0
    if spec.get("credit", "all_or_nothing") == "longest_run":
        return _run(order, rights) / len(order)
    return 0.0


class Ordering(ItemType):
    name = "ordering"
    Spec = OrderingSpec

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        ids = _ids(spec)
        if not isinstance(answer, list) or sorted(answer) != sorted(ids):
            raise MalformedAnswer("Use cada item exatamente uma vez.", "Use every item exactly once.")
        broken = [rule for rule in _rules(spec) if _breaks(rule, answer)]
        rights = right_orders(spec)
        fraction = 1.0
        if broken:
            fraction = _run(answer, rights) / len(ids) if spec.get("credit") == "longest_run" else 0.0
        graded = result(spec, fraction, rights[0], {"broken": [_label(rule) for rule in broken]})
        said = [rule["feedback"] for rule in broken if rule.get("feedback")]
        if said:
            graded.feedback = {
                lang: "\n".join([graded.feedback[lang], *(text[lang] for text in said)]) for lang in ("pt", "en")
            }
        return graded

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        """Every right order (full), then wrong ones with the share their credit gives.

        The wrong ones: the reversed order and each order one swap of neighbours away
        from a right one, the share computed from the list of right orders alone.
        """
        rights = right_orders(spec)
        keyed = [(f"right order {n + 1} of {len(rights)}", order, 1.0) for n, order in enumerate(rights)]
        wrong: list[list[str]] = []
        for order in [rights[0][::-1]] + [_swapped(o, i) for o in rights for i in range(len(o) - 1)]:
            if order not in rights and order not in wrong:
                wrong.append(order)
        credit, total = spec.get("credit", "all_or_nothing"), points(spec)
        for order in wrong:
            # As the score is stored: rounded to 4 decimals of the points.
            share = round(total * _credit(spec, order, rights), 4) / total
            keyed.append((f"wrong ({credit}): {' '.join(order)}", order, share))
        return keyed

    def read_form(self, spec: dict, post, seed: int = 0) -> Any:
        positions = {}
        for item in spec["items"]:
            raw = post.get(f"pos_{item['id']}", "")
            # ASCII digits only, and few: "²" passes str.isdigit() and int() refuses it.
            if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{1,3}", raw):
                return []  # the grader explains what is missing
            positions[item["id"]] = int(raw)
        return sorted(positions, key=positions.get) if len(set(positions.values())) == len(positions) else []

    def context(self, spec: dict, seed: int, lang: str) -> dict:
        by_id = {item["id"]: item for item in spec["items"]}
        rights = right_orders(spec)
        # A per-student shuffle, never a right order.
        avoid = tuple([by_id[i] for i in order] for order in rights)
        items = [item_view(item, lang) for item in shuffled(spec["items"], seed, avoid)]
        note = pick(CREDIT_NOTES[spec.get("credit", "all_or_nothing")], lang)
        if len(rights) > 1:
            note = f"{note} {pick(MANY_RIGHT, lang)}"
        return {"items": items, "positions": range(1, len(items) + 1), "credit_note": note}


def _swapped(order: list[str], index: int) -> list[str]:
    swapped = list(order)
    swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
    return swapped


def _label(rule: dict) -> str:
    if "before" in rule:
        return f"{rule['item']} before {rule['before']}"
    return f"{rule['item']} not between {' and '.join(rule['not_between'])}"


class Parsons(Ordering):
    name = "parsons"
    Spec = ParsonsSpec
    template = "submissions/quiz/ordering.html"  # the same form; lines of code show as code
