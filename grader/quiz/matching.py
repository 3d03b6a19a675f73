"""`matching`: each item on the left goes with one option on the right; each right pair earns its share."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.fields import Bilingual, Id, problem
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


class MatchingSample(Sample):
    answer: dict[str, str]


class MatchingSpec(SpecBase):
    type: Literal["matching"]
    left: Annotated[list[Item], Field(min_length=2)]
    right: Annotated[list[Item], Field(min_length=2)]
    answer: Annotated[dict[str, Id], Field(description="left id -> right id")]
    feedback_wrong: Bilingual | None = None
    samples: list[MatchingSample] = []

    @model_validator(mode="after")
    def _every_left_matched(self) -> MatchingSpec:
        unique_ids(self.left, "left")
        unique_ids(self.right, "right")
        left, right = {item.id for item in self.left}, {item.id for item in self.right}
        if set(self.answer) != left or not set(self.answer.values()) <= right:
            raise problem("answer", "must map every left id to a right id")
        return self


class Matching(ItemType):
    name = "matching"
    Spec = MatchingSpec

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        left = [item["id"] for item in spec["left"]]
        right = {item["id"] for item in spec["right"]}
        if not isinstance(answer, dict) or set(answer) != set(left) or not set(answer.values()) <= right:
            raise MalformedAnswer("Associe cada item a uma opção.", "Match every item to an option.")
        hits = sum(answer[key] == spec["answer"][key] for key in left)
        return result(spec, hits / len(left), spec["answer"])

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        return [("keyed matches", spec["answer"], 1.0)]

    def read_form(self, spec: dict, post, seed: int = 0) -> Any:
        return {item["id"]: post.get(f"match_{item['id']}", "") for item in spec["left"]}

    def context(self, spec: dict, seed: int, lang: str) -> dict:
        # The options never in the written order, nor in the order of the left column's answers.
        keyed = list(dict.fromkeys(spec["answer"][item["id"]] for item in spec["left"]))
        in_keyed_order = sorted(spec["right"], key=lambda item: (keyed + [item["id"]]).index(item["id"]))
        right = shuffled(spec["right"], seed + 1, avoid=(in_keyed_order,))
        return {
            "left": [item_view(item, lang) for item in spec["left"]],
            "right": [item_view(item, lang) for item in right],
        }
