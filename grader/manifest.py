"""The manifests as typed models: `lesson.toml` and `exercise.toml`.

An exercise is a discriminated union on `kind` ("quiz" or "code"); a quiz is a
discriminated union on `quiz.type`, with one model per item type, each in its
type's module and collected from `grader.quiz.registry`. `errors()` turns
pydantic's errors into (field, message) pairs with fields as an author reads
them (`quiz.options[2].text.pt`); `schema()` is the JSON Schema of
`exercise.toml` that editors use (docs/exercise.schema.json).

Checks that need the folder (prompt files, starter and hidden files, importing
checks.py) stay in `grader.content`. Torch-free and Django-free.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, ValidationError, create_model, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from grader.fields import Bilingual, PositiveNumber, Strict, Text, unique
from grader.quiz.registry import TYPES
from grader.sandbox.limits import DEFAULT_LIMITS  # the sandbox's limits, written down once

QUEUES = ("cpu", "gpu")


Order = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]


class Lesson(Strict):
    order: Order = 0
    title: Bilingual
    summary: Bilingual


# --- coding exercises ---------------------------------------------------------------


class _Limits(Strict):
    """Overrides of the sandbox's limits; the others keep their defaults (`DEFAULT_LIMITS`)."""

    def over(self, base: dict[str, int]) -> dict[str, int]:
        return {**base, **self.model_dump(exclude_none=True)}


# One optional field per limit, so the defaults above stay the only list of them.
_LIMIT_FIELDS: dict[str, Any] = {
    name: (PositiveInt | None, Field(None, description=f"default {value}")) for name, value in DEFAULT_LIMITS.items()
}
Limits = create_model("Limits", __base__=_Limits, **_LIMIT_FIELDS)


class Static(Strict):
    forbid: Annotated[list[Text], Field(description="dotted names, e.g. 'torch.softmax', 'Tensor.softmax'")] = []


class Check(Strict):
    name: Text
    points: PositiveNumber
    title: Bilingual


class Code(Strict):
    queue: Literal["cpu", "gpu"] = "cpu"
    limits: Limits = Field(default_factory=Limits)
    gpu_limits: Limits = Field(
        default_factory=Limits, description="when a gpu-queue job runs on a GPU (`limits` apply on the CPU)"
    )
    static: Static = Field(default_factory=Static)
    attempts: Annotated[int, Field(ge=0, description="charged submissions before the due date; 0: no limit")] = 0
    hints: list[Bilingual] = []
    checks: Annotated[list[Check], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_names(self) -> Code:
        unique([check.name for check in self.checks], "checks", "check names")
        return self


# --- the exercise -------------------------------------------------------------------

QuizSpec = Annotated[Union[tuple(item.Spec for item in TYPES.values())], Field(discriminator="type")]  # noqa: UP007


class _Exercise(Strict):
    id: Text
    order: Order = 0
    title: Bilingual


class QuizExercise(_Exercise):
    kind: Literal["quiz"]
    quiz: QuizSpec


class CodeExercise(_Exercise):
    kind: Literal["code"]
    code: Code


ExerciseManifest = Annotated[Union[QuizExercise, CodeExercise], Field(discriminator="kind")]  # noqa: UP007
_EXERCISE = TypeAdapter(ExerciseManifest)
_QUIZ = TypeAdapter(QuizSpec)


def exercise(data: dict) -> QuizExercise | CodeExercise:
    """Validate a parsed exercise.toml; raises pydantic's ValidationError (see `errors`)."""
    return _EXERCISE.validate_python(data)


def exercise_errors(data: dict) -> list[tuple[str, str]]:
    """The problems of a parsed exercise.toml, as (field, message); [] when it is valid."""
    try:
        exercise(data)
    except ValidationError as exc:
        return errors(exc)
    return []


def quiz(data: dict) -> Any:
    """Validate a `[quiz]` table alone; raises pydantic's ValidationError."""
    return _QUIZ.validate_python(data)


def quiz_errors(data: dict) -> list[tuple[str, str]]:
    """The problems of a `[quiz]` table alone, as (field, message); [] when it is valid."""
    try:
        quiz(data)
    except ValidationError as exc:
        return errors(exc, "quiz")
    return []


def quiz_data(spec: Any) -> dict:
    """A validated quiz as the site stores it: plain JSON, defaults filled in, unset options left out."""
    return spec.model_dump(exclude_none=True)


def errors(exc: ValidationError, table: str = "exercise") -> list[tuple[str, str]]:
    """(field, message) for each problem; `table`: what was validated ("exercise", "quiz" alone, or "lesson")."""
    found = []
    for error in exc.errors():
        loc = list(error["loc"])
        # Pydantic names the member it chose of each union in the path: the exercise's kind, the quiz's type.
        if table == "exercise":
            loc = loc[1:]
            if len(loc) > 1 and loc[0] == "quiz":
                del loc[1]
        elif table == "quiz":
            loc = ["quiz", *loc[1:]]
        if error["type"] == "manifest" and error["ctx"]["field"]:
            loc.append(error["ctx"]["field"])
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc.append("type" if loc else "kind")
        found.append((_field(loc), _message(error, loc)))
    return found


def _field(loc: list) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "-"


def _message(error: dict, loc: list) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field (a typo?)"
    if kind == "manifest":
        return error["ctx"]["message"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        choices = ("quiz", "code") if loc[-1] == "kind" else tuple(TYPES)
        given = error.get("ctx", {}).get("tag")
        return f"must be one of {', '.join(choices)}" + (f", got {given!r}" if given is not None else "")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "must be a table"
    else:
        message = re.sub(r"^(Input|String|List|Value|Dictionary) should ", "must ", error["msg"])
    value = error.get("input")
    if isinstance(value, (str, int, float, bool)) and kind not in ("blank", "string_too_short"):
        message += f", got {value!r}"
    return message


class _TomlSchema(GenerateJsonSchema):
    """TOML has no null: an optional field is one left out, so the schema offers no null and no null default."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None:
            del json_schema["default"]
        return json_schema


def schema() -> dict:
    """The JSON Schema of exercise.toml, for editors' TOML plugins (committed as docs/exercise.schema.json)."""
    # Declared as draft-07, which TOML plugins support widely; every keyword pydantic writes here means the same
    # there ($defs is only reached through "$ref" pointers).
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "exercise.toml",
        "description": "An exercise of the course: a quiz item or a coding exercise (docs/authoring.md).",
        **_EXERCISE.json_schema(schema_generator=_TomlSchema),
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"
