"""`single_choice`: one right option among several, each option with its own feedback."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.fields import Bilingual, Id, problem
from grader.quiz.base import ItemType, MalformedAnswer, Option, QuizResult, Sample, SpecBase, pick, points, unique_ids


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

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        ids = [option["id"] for option in spec["options"]]
        if answer not in ids:
            raise MalformedAnswer("Escolha uma das opções.", "Choose one of the options.")
        total = points(spec)
        correct = answer == spec["answer"]
        chosen = next(o for o in spec["options"] if o["id"] == answer)
        default = {"pt": "Correto." if correct else "Incorreto.", "en": "Correct." if correct else "Incorrect."}
        feedback = chosen.get("feedback", default)
        return QuizResult(
            score=total if correct else 0.0,
            max_score=total,
            correct=correct,
            feedback=feedback,
            expected=spec["answer"],
        )

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        # Every option: the right one earns the points, each other one nothing.
        return [
            (f"option {option['id']}", option["id"], 1.0 if option["id"] == spec["answer"] else 0.0)
            for option in spec["options"]
        ]

    def context(self, spec: dict, seed: int, lang: str) -> dict:
        return {"options": [{"id": option["id"], "text": pick(option["text"], lang)} for option in spec["options"]]}
