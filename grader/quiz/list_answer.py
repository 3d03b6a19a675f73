"""`list_answer`: name several things; each distinct idea counts once, whatever its spelling."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.fields import Bilingual, Strict, Text, problem
from grader.quiz import text
from grader.quiz.base import ItemType, MalformedAnswer, QuizResult, Sample, SpecBase, result, shape
from grader.quiz.short_answer import PerLanguage, filler_words

TextOrTexts = shape(
    lambda value: isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
    "must be a text or a list of texts",
    {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
)


class Names(Strict):
    names: Annotated[list[Text], Field(min_length=1, description="every accepted spelling, both languages")]


class ListAnswerSample(Sample):
    answer: TextOrTexts


class ListAnswerSpec(SpecBase):
    type: Literal["list_answer"]
    items: Annotated[list[Names], Field(min_length=1)]
    required: Annotated[int | None, Field(description="distinct items for full marks (default: all of them)")] = None
    wrong: Annotated[list[Names], Field(description="wrong items students really name, never taken for typos")] = []
    filler: Annotated[PerLanguage | None, Field(description="words that may surround a name")] = None
    feedback_wrong: Bilingual | None = None
    samples: list[ListAnswerSample] = []

    @model_validator(mode="after")
    def _required_in_range(self) -> ListAnswerSpec:
        if self.required is None:
            self.required = len(self.items)
        elif not 1 <= self.required <= len(self.items):
            raise problem("required", f"must be between 1 and {len(self.items)}")
        return self


class ListAnswer(ItemType):
    name = "list_answer"
    Spec = ListAnswerSpec

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        """Distinct items named (up to `required`) minus the wrong items named, over `required`."""
        if isinstance(answer, list) and all(isinstance(a, str) for a in answer):
            answer = "\n".join(answer)
        if not isinstance(answer, str) or not text.words(answer):
            raise MalformedAnswer(
                "Escreva os itens separados por vírgula ou um por linha.",
                "Write the items separated by commas, or one per line.",
            )
        # Groups are (list, index): ("items", 2) is the third item, ("wrong", 0) the first wrong one.
        names = {(kind, i): entry["names"] for kind in ("items", "wrong") for i, entry in enumerate(spec.get(kind, []))}
        groups = {group for group, _ in text.names_in_list(answer, names, filler_words(spec))}
        right = [spec["items"][i]["names"][0] for kind, i in sorted(groups) if kind == "items"]
        wrong_names = [spec["wrong"][i]["names"][0] for kind, i in sorted(groups) if kind == "wrong"]
        required = spec.get("required", len(spec["items"]))
        graded = result(
            spec,
            (min(len(right), required) - len(wrong_names)) / required,
            [item["names"][0] for item in spec["items"]],
            {"found": right, "wrong": wrong_names},
        )
        if wrong_names:
            # The student's own wrong items, named back: that teaches, and gives nothing away.
            listed = ", ".join(wrong_names)
            graded.feedback = {
                "pt": f"{graded.feedback['pt']} Não é o que se pede, e tira crédito: {listed}.",
                "en": f"{graded.feedback['en']} Not what is asked for, and it costs credit: {listed}.",
            }
        return graded

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        names = [item["names"][0] for item in spec["items"][: spec.get("required", len(spec["items"]))]]
        return [("first names of the required items", ", ".join(names), 1.0)]
