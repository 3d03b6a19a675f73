"""`free_text`: an explanation in the student's words, scored by a rubric of concepts, provisional until reviewed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from grader.fields import Bilingual, Id, PositiveNumber, Strict, problem, unique
from grader.quiz import rubric, text
from grader.quiz.base import ItemType, MalformedAnswer, QuizResult, Sample, SpecBase, points


class _Patterns(Strict):
    pt: Annotated[list[str], Field(description="patterns of the rubric language (docs/authoring.md), Portuguese")] = []
    en: Annotated[list[str], Field(description="patterns of the rubric language (docs/authoring.md), English")] = []

    @field_validator("pt", "en")
    @classmethod
    def _compiles(cls, patterns: list[str], info) -> list[str]:
        # Parsed at load time, so an author learns of a broken pattern from `grader validate`.
        for pattern in patterns:
            try:
                rubric.compile_pattern(pattern, info.field_name)
            except rubric.PatternError as exc:
                raise problem("", f"bad pattern {pattern!r}: {exc}") from None
        return patterns

    @model_validator(mode="after")
    def _some_pattern(self) -> _Patterns:
        if not (self.pt or self.en):
            raise problem("", "needs patterns under pt and/or en")
        return self


class Concept(_Patterns):
    id: Annotated[Id, Field(description="stable name: answer corpora and reviews refer to it")]
    name: Bilingual
    weight: Annotated[PositiveNumber, Field(description="its share of the points, relative to the others")] = 1
    praise: Annotated[Bilingual | None, Field(description="what the student got right, said when found")] = None
    revisit: Annotated[Bilingual | None, Field(description="what to reread, said when missing")] = None
    gap: Annotated[int | None, Field(ge=0, description="other words allowed between two words of a pattern")] = None


class Misconception(_Patterns):
    id: Id
    name: Bilingual
    revisit: Annotated[Bilingual | None, Field(description="what to reread, said when the answer states it")] = None
    penalty: Annotated[PositiveNumber, Field(description="weight taken away when the answer states it")] = 1
    gap: Annotated[int | None, Field(ge=0, description="other words allowed between two words of a pattern")] = None


class FreeTextSample(Sample):
    answer: str


class FreeTextSpec(SpecBase):
    type: Literal["free_text"]
    min_words: Annotated[int, Field(ge=1, description="shorter answers are refused, not graded")] = 10
    concepts: Annotated[list[Concept], Field(min_length=1)]
    misconceptions: list[Misconception] = []
    engine: Annotated[Literal["rubric-1"], Field(description="which rubric engine reads the patterns")] = rubric.ENGINE
    gap: Annotated[int | None, Field(ge=0, description="default gap for every pattern")] = None
    samples: list[FreeTextSample] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> FreeTextSpec:
        unique([c.id for c in self.concepts], "concepts", "concept ids")
        unique([m.id for m in self.misconceptions], "misconceptions", "misconception ids")
        return self


class FreeText(ItemType):
    name = "free_text"
    Spec = FreeTextSpec
    # The rubric's score is provisional and its feedback says what to revisit, never the key:
    # rewriting after that feedback is the point, so the best of three answers counts.
    default_attempts = {"max": 3, "score": "best"}

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        """The rubric's verdict: a provisional score that an instructor reviews."""
        if not isinstance(answer, str) or not answer.strip():
            raise MalformedAnswer("Escreva sua resposta.", "Write your answer.")
        read = text.read(answer)
        min_words = spec.get("min_words", 10)
        if len(read.tokens) < min_words:
            raise MalformedAnswer(
                f"Escreva pelo menos {min_words} palavras: explique com suas palavras.",
                f"Write at least {min_words} words: explain in your own words.",
            )
        verdict = rubric.evaluate(spec, read)
        total = points(spec)
        # The page says the score is provisional beside the feedback (QuizAnswer.provisional).
        return QuizResult(
            round(total * verdict.fraction, 4),
            total,
            verdict.fraction >= 1.0,
            verdict.feedback,
            None,
            rubric.details(verdict, len(read.tokens)),
        )
