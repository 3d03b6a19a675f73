"""Typed building blocks of the manifests, shared by `grader.manifest` and the quiz item types.

Strict on purpose: TOML already has types, so a bool is never a number, a
string is never a list, and a key nobody reads is a typo to report, not to
ignore. Cross-field checks raise `problem(field, message)`, so the error is
listed at the field an author has to change.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

LANGUAGES = ("pt", "en")


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "required text is missing or empty")
    return value


Text = Annotated[str, AfterValidator(_not_blank), WithJsonSchema({"type": "string", "pattern": "\\S"})]
# Ids end up in form field names and values (pos_<id>, match_<id>), so they stay plain.
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", description="letters, digits, '-' and '_'")]
PositiveNumber = Annotated[float, Field(gt=0)]
NonNegativeNumber = Annotated[float, Field(ge=0)]


class Bilingual(Strict):
    """A text in both languages of the course, neither empty."""

    pt: Text
    en: Text


def problem(field: str, message: str) -> PydanticCustomError:
    """An error about `field` of the model being checked ("" for the model itself)."""
    return PydanticCustomError("manifest", "{message}", {"field": field, "message": message})


def unique(ids: list[str], field: str, what: str = "ids") -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise problem(field, f"{what} must be unique; repeated: {', '.join(duplicates)}")
