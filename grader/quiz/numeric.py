"""`numeric`: a number, fixed or drawn per student by a generator, right within a tolerance."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from grader.fields import Bilingual, NonNegativeNumber, Strict, problem
from grader.quiz.base import ItemType, MalformedAnswer, QuizResult, Sample, SpecBase, points, shape
from grader.quiz.generators import CONFIGS, GENERATORS

TextOrNumber = shape(
    lambda value: isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)),
    "must be a text (as a student types it) or a number",
    {"anyOf": [{"type": "string"}, {"type": "number"}]},
)


class Tolerance(Strict):
    absolute: NonNegativeNumber | None = None
    relative: NonNegativeNumber | None = None

    @model_validator(mode="after")
    def _some(self) -> Tolerance:
        if self.absolute is None and self.relative is None:
            raise problem("", "needs 'absolute' and/or 'relative'")
        return self


class NumericSample(Sample):
    answer: TextOrNumber


class NumericSpec(SpecBase):
    type: Literal["numeric"]
    answer: Annotated[float | None, Field(description="the value, unless a generator draws one per student")] = None
    generator: Annotated[str | None, Field(description="a function of grader/quiz/generators.py")] = None
    generator_config: Annotated[dict[str, Any], Field(description="the generator's settings")] = {}
    tolerance: Tolerance
    feedback_wrong: Bilingual | None = None
    samples: list[NumericSample] = []

    @field_validator("generator")
    @classmethod
    def _known(cls, generator: str | None) -> str | None:
        if generator is not None and generator not in GENERATORS:
            raise problem("", f"unknown generator {generator!r}; known: {', '.join(GENERATORS)}")
        return generator

    @model_validator(mode="after")
    def _answer_or_generator(self) -> NumericSpec:
        if self.answer is None and self.generator is None:
            raise problem("answer", "a numeric item needs an answer or a generator")
        if self.generator is not None:
            try:
                CONFIGS[self.generator].model_validate(self.generator_config)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(["generator_config", *(str(part) for part in first["loc"])])
                raise problem(where, first["msg"]) from None
        elif self.generator_config:
            raise problem("generator_config", "only for an item with a generator")
        return self


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?$")


def parse_number(raw: Any) -> float:
    """Read a number as a Brazilian or English student types it: 0,25 / 0.25 / 25%."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        if not isinstance(raw, str):
            raise MalformedAnswer("Digite um número.", "Type a number.")
        text = raw.strip().replace(" ", "").replace("\u00a0", "")
        # Thousands separators, when there are at least two groups (one group is ambiguous):
        # 617.558.016 or 1.234.567,5 (pt) and 617,558,016 or 1,234,567.5 (en).
        if re.fullmatch(r"[+-]?[1-9]\d{0,2}(\.\d{3}){2,}(,\d+)?%?", text):
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"[+-]?[1-9]\d{0,2}(,\d{3}){2,}(\.\d+)?%?", text):
            text = text.replace(",", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not text or not _NUMBER.match(text):
            raise MalformedAnswer(
                f"Não foi possível ler “{raw[:40]}” como número. Use, por exemplo, 0,25 ou 0.25.",
                f"Could not read “{raw[:40]}” as a number. Use, for example, 0.25 or 0,25.",
            )
        percent = text.endswith("%")
        value = float(text.rstrip("%"))
        if percent:
            value /= 100
    if not math.isfinite(value):
        raise MalformedAnswer("O número precisa ser finito.", "The number must be finite.")
    return value


class Numeric(ItemType):
    name = "numeric"
    Spec = NumericSpec
    selftest_students = 20  # a generator draws other numbers for each student

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        value = parse_number(answer)
        expected = self.expected(spec, params)
        tolerance = spec["tolerance"]
        allowed = max(tolerance.get("absolute", 0.0), tolerance.get("relative", 0.0) * abs(expected))
        total = points(spec)
        correct = abs(value - expected) <= allowed
        if correct:
            feedback = {"pt": "Correto.", "en": "Correct."}
        else:
            feedback = {"pt": "Revise o cálculo.", "en": "Check your calculation."}
        return QuizResult(
            score=total if correct else 0.0,
            max_score=total,
            correct=correct,
            feedback=feedback,
            expected=expected,
            details={"given": value, "allowed_error": allowed},
            explanation=dict(spec.get("feedback_wrong") or {}) if not correct else {},
        )

    @staticmethod
    def expected(spec: dict, params: dict) -> float:
        return float(params["answer"]) if "answer" in params else float(spec["answer"])

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        answer = float(params.get("answer", spec.get("answer", 0)))
        return [
            (f"keyed answer ({self.selftest_students} students)", answer, 1.0),
            ("off by 5% or more", answer + 0.05 + abs(answer) * 0.1, 0.0),
        ]
