"""`single_choice`: one right option among several, each option with its own feedback."""

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
    points,
    unique_ids,
)


class ChoiceOption(Option):
    feedback: Bilingual | None = None


class SingleChoiceSample(Sample):
    answer: str


class SingleChoiceSpec(SpecBase):
    type: Literal["single_choice"]
    options: Annotated[list[ChoiceOption], Field(min_length=2)]
    answer: Id
    samples: list[SingleChoiceSample] = []

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> SingleChoiceSpec:
        unique_ids(self.options, "options")
        ids = [option.id for option in self.options]
        if self.answer not in ids:
            raise problem("answer", f"must be one of the option ids {ids}")
        return self


class SingleChoice(ItemType):
    name = "single_choice"
    Spec = SingleChoiceSpec
    # Two tries, the second for half: guessing through four options is worth little.
    default_attempts = {"max": 2, "score": "decreasing", "credit": [1.0, 0.5]}

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        ids = [option["id"] for option in spec["options"]]
        if answer not in ids:
            raise MalformedAnswer("Escolha uma das opções.", "Choose one of the options.")
        total = points(spec)
        correct = answer == spec["answer"]
        chosen = next(o for o in spec["options"] if o["id"] == answer)
        verdict = {"pt": "Correto." if correct else "Incorreto.", "en": "Correct." if correct else "Incorrect."}
        # An option's own feedback says why it is right or wrong, which can point at the key.
        return QuizResult(
            score=total if correct else 0.0,
            max_score=total,
            correct=correct,
            feedback=verdict,
            expected=spec["answer"],
            explanation=dict(chosen.get("feedback") or {}),
        )

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        # Every option: the right one earns the points, each other one nothing.
        return [
            (f"option {option['id']}", option["id"], 1.0 if option["id"] == spec["answer"] else 0.0)
            for option in spec["options"]
        ]

    def read_form(self, spec: dict, post, seed: int = 0) -> Any:
        return option_id(seed, [option["id"] for option in spec["options"]], post.get("answer", ""))

    def context(self, spec: dict, seed: int, lang: str) -> dict:
        return choice_context(spec, seed, lang)
