"""`short_answer`: a word or a short phrase, right when it is one of the accepted spellings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.fields import Bilingual, Strict, Text, problem
from grader.quiz import text
from grader.quiz.base import ItemType, MalformedAnswer, QuizResult, Sample, SpecBase, result


class PerLanguage(Strict):
    """Lists of words or phrases under pt and/or en."""

    pt: list[Text] = []
    en: list[Text] = []


def filler_words(spec: dict) -> set[str]:
    """The item's filler words, folded, each phrase split into its words."""
    filler = spec.get("filler") or {}
    return {word for lang in ("pt", "en") for phrase in filler.get(lang, []) for word in text.words(phrase)}


class ShortAnswerSample(Sample):
    answer: str


class ShortAnswerSpec(SpecBase):
    type: Literal["short_answer"]
    accepted: PerLanguage
    filler: Annotated[PerLanguage | None, Field(description="words that may surround the answer")] = None
    rejected: Annotated[PerLanguage | None, Field(description="near misses that are other words, never typos")] = None
    feedback_wrong: Bilingual | None = None
    samples: list[ShortAnswerSample] = []

    @model_validator(mode="after")
    def _something_accepted(self) -> ShortAnswerSpec:
        if not (self.accepted.pt or self.accepted.en):
            raise problem("accepted", "needs lists of accepted answers under pt and/or en")
        return self


class ShortAnswer(ItemType):
    name = "short_answer"
    Spec = ShortAnswerSpec

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        if not isinstance(answer, str) or not answer.strip():
            raise MalformedAnswer("Escreva uma resposta.", "Write an answer.")
        accepted = [a for lang in ("pt", "en") for a in spec["accepted"].get(lang, [])]
        rejected = [a for lang in ("pt", "en") for a in (spec.get("rejected") or {}).get(lang, [])]
        matched = text.short_answer_match(answer, accepted, filler_words(spec), rejected)
        return result(spec, 1.0 if matched else 0.0, accepted, {"matched": matched})

    def key_text(self, spec: dict, params: dict, lang: str) -> str:
        accepted = spec["accepted"]
        return (accepted.get(lang) or accepted.get("pt") or accepted.get("en") or [""])[0]

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        return [(f"accepted: {a}", a, 1.0) for lang in ("pt", "en") for a in spec["accepted"].get(lang, [])]
