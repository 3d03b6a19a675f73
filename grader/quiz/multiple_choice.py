"""`multiple_choice`: several right options; each right pick earns its share, each wrong pick takes one away."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.fields import Bilingual, Id, problem
from grader.quiz.base import (
    ItemType,
    MalformedAnswer,
    Option,
    QuizResult,
    Sample,
    SpecBase,
    choice_context,
    option_id,
    result,
    unique_ids,
)


class MultipleChoiceSample(Sample):
    answer: list[str]


class MultipleChoiceSpec(SpecBase):
    type: Literal["multiple_choice"]
    options: Annotated[list[Option], Field(min_length=2)]
    answer: Annotated[list[Id], Field(min_length=1)]
    feedback_wrong: Bilingual | None = None
    samples: list[MultipleChoiceSample] = []

    @model_validator(mode="after")
    def _answer_from_the_options(self) -> MultipleChoiceSpec:
        unique_ids(self.options, "options")
        ids = [option.id for option in self.options]
        if not set(self.answer) <= set(ids):
            raise problem("answer", f"must be a non-empty list of option ids from {ids}")
        return self


def _as_id_list(answer: Any, ids: list[str]) -> list[str]:
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
        raise MalformedAnswer("Escolha pelo menos uma opção.", "Choose at least one option.")
    if not set(answer) <= set(ids):
        raise MalformedAnswer("Escolha apenas opções da lista.", "Choose only options from the list.")
    return answer


class MultipleChoice(ItemType):
    name = "multiple_choice"
    Spec = MultipleChoiceSpec
    default_attempts = {"max": 2, "score": "decreasing", "credit": [1.0, 0.5]}

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        ids = [option["id"] for option in spec["options"]]
        chosen = set(_as_id_list(answer, ids))
        right = set(spec["answer"])
        # Each right option chosen earns its share; each wrong one chosen takes a share away.
        fraction = (len(chosen & right) - len(chosen - right)) / len(right)
        return result(spec, fraction, sorted(right), {"chosen": sorted(chosen)})

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        return [("keyed answer", spec["answer"], 1.0)]

    def read_form(self, spec: dict, post, seed: int = 0) -> Any:
        ids = [option["id"] for option in spec["options"]]
        return [option_id(seed, ids, value) for value in post.getlist("answer")]

    def context(self, spec: dict, seed: int, lang: str) -> dict:
        return choice_context(spec, seed, lang)
