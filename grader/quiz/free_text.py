"""`free_text`: an explanation in the student's words, scored by a rubric of concepts, provisional until reviewed."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from grader.fields import Bilingual, PositiveNumber, Strict, problem, unique
from grader.quiz.base import ItemType, MalformedAnswer, QuizResult, Sample, SpecBase, normalize, points


def fold_pattern(pattern: str) -> str:
    """Case and accents removed, as from the answer, leaving regular-expression escapes (\\S, \\W) alone."""
    out, index = [], 0
    while index < len(pattern):
        if pattern[index] == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        decomposed = unicodedata.normalize("NFKD", pattern[index].casefold())
        out.append("".join(ch for ch in decomposed if not unicodedata.combining(ch)))
        index += 1
    return "".join(out)


class _Patterns(Strict):
    pt: list[str] = []
    en: list[str] = []

    @field_validator("pt", "en")
    @classmethod
    def _folded(cls, patterns: list[str]) -> list[str]:
        # Answers are matched lower-cased and without accents, so the patterns are stored that way.
        folded = []
        for pattern in patterns:
            try:
                re.compile(fold_pattern(pattern))
            except re.error as exc:
                raise problem("", f"bad pattern {pattern!r}: {exc}") from None
            folded.append(fold_pattern(pattern))
        return folded

    @model_validator(mode="after")
    def _some_pattern(self) -> _Patterns:
        if not (self.pt or self.en):
            raise problem("", "needs patterns under pt and/or en")
        return self


class Concept(_Patterns):
    id: str | None = None
    name: Bilingual
    weight: Annotated[PositiveNumber, Field(description="its share of the points, relative to the others")] = 1
    praise: Annotated[Bilingual | None, Field(description="what the student got right, said when found")] = None
    revisit: Annotated[Bilingual | None, Field(description="what to reread, said when missing")] = None
    gap: Annotated[int | None, Field(ge=0, description="other words allowed between two words of a pattern")] = None


class Misconception(_Patterns):
    id: str
    name: Bilingual
    revisit: Bilingual | None = None
    penalty: Annotated[PositiveNumber, Field(description="weight taken away when the answer states it")] = 1
    gap: Annotated[int | None, Field(ge=0, description="other words allowed between two words of a pattern")] = None


class FreeTextSample(Sample):
    answer: str


class FreeTextSpec(SpecBase):
    type: Literal["free_text"]
    min_words: Annotated[int, Field(ge=1, description="shorter answers are refused, not graded")] = 10
    concepts: Annotated[list[Concept], Field(min_length=1)]
    misconceptions: list[Misconception] = []
    engine: Annotated[str | None, Field(description="which rubric engine reads the patterns")] = None
    gap: Annotated[int | None, Field(ge=0, description="default gap for every pattern")] = None
    samples: list[FreeTextSample] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> FreeTextSpec:
        unique([c.id for c in self.concepts if c.id], "concepts", "concept ids")
        unique([m.id for m in self.misconceptions], "misconceptions", "misconception ids")
        return self


# Words that show a sentence rather than a list of keywords (pt and en).
_GLUE_WORDS = (
    "que de do da dos das e é o a os as um uma para por com em no na se ser são porque isso "
    "the is are a an of to that and it in on for by with be because which this so"
)
_GLUE = {normalize(word) for word in _GLUE_WORDS.split(" ")}


class FreeText(ItemType):
    name = "free_text"
    Spec = FreeTextSpec

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        """Rubric of concepts: a provisional score that an instructor reviews."""
        if not isinstance(answer, str) or not answer.strip():
            raise MalformedAnswer("Escreva sua resposta.", "Write your answer.")
        text = normalize(answer)
        words = text.split()
        min_words = spec.get("min_words", 10)
        total = points(spec)
        details: dict[str, Any] = {"provisional": True, "words": len(words)}
        if len(words) < min_words:
            raise MalformedAnswer(
                f"Escreva pelo menos {min_words} palavras: explique com suas palavras.",
                f"Write at least {min_words} words: explain in your own words.",
            )
        concepts = spec["concepts"]
        found = []
        for concept in concepts:
            patterns = [normalize(p) if p.isalpha() else p for lang in ("pt", "en") for p in concept.get(lang, [])]
            if any(re.search(pattern, text) for pattern in patterns):
                found.append(concept)
        # Guard against a bare list of keywords: an explanation has the small words of a sentence.
        glue = sum(word in _GLUE for word in words) / len(words)
        details["found"] = [c["name"]["en"] for c in found]
        if glue < 0.12:
            details["keyword_list"] = True
            fraction = 0.0
        else:
            weights = sum(c.get("weight", 1) for c in concepts)
            fraction = sum(c.get("weight", 1) for c in found) / weights
        missing = [c for c in concepts if c not in found]
        if details.get("keyword_list"):
            feedback = {
                "pt": "Sua resposta parece uma lista de palavras-chave; explique em frases.",
                "en": "Your answer reads like a list of keywords; explain in sentences.",
            }
        elif missing:
            feedback = {
                "pt": "Nota provisória. Faltou falar de: " + "; ".join(c["name"]["pt"] for c in missing) + ".",
                "en": "Provisional score. Not covered: " + "; ".join(c["name"]["en"] for c in missing) + ".",
            }
        else:
            feedback = {
                "pt": "Nota provisória: todos os pontos esperados.",
                "en": "Provisional score: every expected point.",
            }
        return QuizResult(round(total * fraction, 4), total, fraction >= 1.0, feedback, None, details)
