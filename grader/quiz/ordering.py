"""`ordering` and `parsons`: items (or lines of code) written in the right order, shown shuffled, numbered back."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.fields import Bilingual
from grader.quiz.base import (
    Item,
    ItemType,
    MalformedAnswer,
    QuizResult,
    Sample,
    SpecBase,
    item_view,
    result,
    shuffled,
    unique_ids,
)


class OrderingSample(Sample):
    answer: list[str]


class OrderingSpec(SpecBase):
    type: Literal["ordering"]
    items: Annotated[list[Item], Field(min_length=2, description="listed in the right order")]
    feedback_wrong: Bilingual | None = None
    samples: list[OrderingSample] = []

    @model_validator(mode="after")
    def _unique(self) -> OrderingSpec:
        unique_ids(self.items, "items")
        return self


class ParsonsSpec(OrderingSpec):
    type: Literal["parsons"]  # type: ignore[assignment]


class Ordering(ItemType):
    name = "ordering"
    Spec = OrderingSpec

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        ids = [item["id"] for item in spec["items"]]
        if not isinstance(answer, list) or sorted(answer) != sorted(ids):
            raise MalformedAnswer("Use cada item exatamente uma vez.", "Use every item exactly once.")
        position = {item: index for index, item in enumerate(answer)}
        pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
        in_order = sum(position[a] < position[b] for a, b in pairs) / len(pairs)
        # Kendall's tau, floored at 0: 1 only for the exact order, 0 for a random or reversed one.
        return result(spec, 2 * in_order - 1, ids)

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        ids = [item["id"] for item in spec["items"]]
        return [("keyed order", ids, 1.0), ("reversed order", ids[::-1], 0.0)]

    def read_form(self, spec: dict, post) -> Any:
        positions = {}
        for item in spec["items"]:
            raw = post.get(f"pos_{item['id']}", "")
            # ASCII digits only, and few: "²" passes str.isdigit() and int() refuses it.
            if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{1,3}", raw):
                return []  # the grader explains what is missing
            positions[item["id"]] = int(raw)
        return sorted(positions, key=positions.get) if len(set(positions.values())) == len(positions) else []

    def context(self, spec: dict, seed: int, lang: str) -> dict:
        # A per-student shuffle, never the keyed order.
        items = [item_view(item, lang) for item in shuffled(spec["items"], seed)]
        return {"items": items, "positions": range(1, len(items) + 1)}


class Parsons(Ordering):
    name = "parsons"
    Spec = ParsonsSpec
    template = "submissions/quiz/ordering.html"  # the same form; lines of code show as code
