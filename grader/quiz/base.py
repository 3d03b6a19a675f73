"""What every quiz item type shares: its contract (`ItemType`), the result of a grading, and small helpers.

An item type is one module in this package holding a subclass of `ItemType`:
its manifest table (`Spec`, a pydantic model), how an answer is graded, the
answers the selftest proves, how the answer is read from the page's form and
what the page's template needs. `registry.py` lists them. Specs reach the
methods as plain dicts (the site stores them as JSON), already validated.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from grader.fields import Bilingual, Id, PositiveNumber, Strict, problem, unique


class MalformedAnswer(ValueError):
    """The answer cannot be read at all: shown to the student, no attempt charged."""

    def __init__(self, pt: str, en: str):
        super().__init__(en)
        self.message = {"pt": pt, "en": en}


@dataclass
class QuizResult:
    score: float
    max_score: float
    correct: bool
    feedback: dict[str, str]
    expected: Any = None  # for instructors only
    details: dict[str, Any] = field(default_factory=dict)
    # What would give the key away (the item's worked explanation, an option's own feedback):
    # the page shows it once the answer is right, the attempts are used up or the due date has passed.
    explanation: dict[str, str] = field(default_factory=dict)


class Form(Protocol):
    """What `read_form` needs from the posted form (a Django QueryDict has it)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


# --- pieces of the specs ----------------------------------------------------------


class Sample(Strict):
    """An answer students really give, with the share of the points it must get (the selftest checks).

    Each type narrows `answer` to the shape its grader reads.
    """

    answer: Any
    score: Annotated[float, Field(ge=0, le=1, description="a fraction of the points, 0 to 1")]


class Interactive(Strict):
    """A widget the student plays with before answering; the item is graded by its own type."""

    kind: Literal["softmax_temperature"]
    tokens: list[str]
    logits: list[float]

    @model_validator(mode="after")
    def _same_length(self) -> Interactive:
        if len(self.tokens) != len(self.logits) or len(self.tokens) < 2:
            raise problem("", "needs tokens and logits: two lists of the same length (2 or more)")
        return self


class Option(Strict):
    id: Id
    text: Bilingual


class Item(Strict):
    """Something to order or to match: a text in both languages, or a line of code."""

    id: Id
    text: Bilingual | None = None
    code: str | None = None

    @model_validator(mode="after")
    def _shown_somehow(self) -> Item:
        if self.text is None and not (self.code or "").strip():
            raise problem("", "needs text.pt and text.en (or code)")
        return self


def shape(check: Callable[[Any], bool], message: str, json_schema: dict) -> Any:
    """A field type for a value of more than one shape, with one message when it has none of them."""

    def validate(value: Any) -> Any:
        if not check(value):
            raise problem("", message)
        return value

    return Annotated[Any, AfterValidator(validate), WithJsonSchema(json_schema)]


def unique_ids(entries: list, field: str) -> None:
    unique([entry.id for entry in entries], field)


class Attempts(Strict):
    """How many answers count before the due date, and which score the item keeps.

    `best`: the best answer; `last`: the last one; `decreasing`: the best of each answer's score
    times the share `credit` gives its attempt (PrairieLearn's points list): credit = [1, 0.5]
    gives full points on the first try and half on the second.
    """

    max: Annotated[int, Field(ge=1, le=20, description="answers that count before the due date")]
    score: Annotated[Literal["best", "last", "decreasing"], Field(description="the score the item keeps")] = "best"
    credit: Annotated[
        list[Annotated[float, Field(gt=0, le=1)]] | None,
        Field(description="decreasing: the share of the points each attempt can earn, one per attempt"),
    ] = None
    new_variant: Annotated[
        bool, Field(description="items with per-student numbers: a wrong answer brings new numbers")
    ] = True

    @model_validator(mode="after")
    def _credit_fits(self) -> Attempts:
        if self.score == "decreasing":
            if self.credit is None or len(self.credit) != self.max:
                raise problem("credit", f"decreasing credit needs one share per attempt ({self.max})")
            if self.credit[0] != 1 or any(b > a for a, b in zip(self.credit, self.credit[1:], strict=False)):
                raise problem("credit", "starts at 1 and never rises")
        elif self.credit is not None:
            raise problem("credit", "only with score = 'decreasing'")
        return self


class SpecBase(Strict):
    """Fields every item type accepts; each type adds its own and narrows `type` to its name."""

    type: str
    points: Annotated[PositiveNumber, Field(description="what the item is worth")] = 1
    interactive: Interactive | None = None
    attempts: Annotated[
        Attempts | None, Field(description="the attempt policy; each type has a default (docs/authoring.md)")
    ] = None


# --- the contract -------------------------------------------------------------------


class ItemType:
    name: ClassVar[str]
    Spec: ClassVar[type[SpecBase]]
    # The selftest grades the keyed answers of this many students (types with per-student parameters).
    selftest_students: ClassVar[int] = 1
    # The attempt policy of an item that declares none: few attempts, later ones worth less,
    # so that trying every option or stepping a number is not a way to full marks.
    default_attempts: ClassVar[dict] = {"max": 3, "score": "decreasing", "credit": [1.0, 0.75, 0.5]}

    @property
    def template(self) -> str:
        return f"submissions/quiz/{self.name}.html"

    def grade(self, spec: dict, answer: Any, params: dict) -> QuizResult:
        raise NotImplementedError

    def keyed_answers(self, spec: dict, params: dict) -> list[tuple[str, Any, float]]:
        """(label, answer, fraction of the points it must get) for the selftest."""
        return []

    def read_form(self, spec: dict, post: Form, seed: int = 0) -> Any:
        """The answer as `grade` expects it, from the fields of this type's template (`seed`: as in `context`)."""
        return post.get("answer", "")

    def context(self, spec: dict, seed: int, lang: str) -> dict:
        """What this type's template shows, in `lang`: never the key."""
        return {}

    def key_text(self, spec: dict, params: dict, lang: str) -> str:
        """The right answer as the page shows it once the key may be shown ('' for a type with no key)."""
        keyed = [answer for _, answer, fraction in self.keyed_answers(spec, params) if fraction >= 1.0]
        return self.answer_text(spec, keyed[0], lang) if keyed else ""

    def answer_text(self, spec: dict, answer: Any, lang: str) -> str:
        """A stored answer as the student saw it: options and items by their text, never by their ids."""
        texts = {
            entry["id"]: pick(entry.get("text"), lang) or entry.get("code") or entry["id"]
            for key in ("options", "items", "left", "right")
            for entry in spec.get(key, [])
            if isinstance(entry, dict) and "id" in entry
        }
        if isinstance(answer, str):
            return texts.get(answer, answer) if "options" in spec else answer
        if isinstance(answer, list):
            if "items" in spec:
                return "\n".join(f"{n}. {texts.get(a, a)}" for n, a in enumerate(answer, 1))
            return "; ".join(texts.get(a, str(a)) for a in answer)
        if isinstance(answer, dict):
            return "\n".join(f"{texts.get(k, k)} → {texts.get(v, v)}" for k, v in answer.items())
        if isinstance(answer, float):
            text = f"{answer:.6g}"
            return text.replace(".", ",") if lang == "pt" else text
        return str(answer)


# --- helpers ------------------------------------------------------------------------


def points(spec: dict) -> float:
    return float(spec.get("points", 1))


def attempt_policy(item: ItemType, spec: dict) -> dict:
    """The item's attempt policy: its own `attempts` table, else its type's default."""
    # Through the manifest's own model: one place for the defaults, and a type's default is checked too.
    return Attempts.model_validate(spec.get("attempts") or item.default_attempts).model_dump()


def attempt_credit(policy: dict, attempt: int) -> float:
    """The share of its score that answer number `attempt` (1 = the first) keeps."""
    if policy["score"] != "decreasing":
        return 1.0
    credit = policy["credit"]
    return float(credit[min(attempt, len(credit)) - 1])


def item_score(policy: dict, scores: list[float]) -> float | None:
    """The score an item keeps from its on-time answers, oldest first, each already times its credit."""
    if not scores:
        return None
    return scores[-1] if policy["score"] == "last" else max(scores)


def opaque_value(seed: int, option_id: str) -> str:
    """What the page posts for an option: a per-student token, not the option's id."""
    return "o" + hashlib.sha256(f"{seed}\x1f{option_id}".encode()).hexdigest()[:10]


def option_id(seed: int, ids: list[str], value: Any) -> str:
    """The option a posted token stands for ('' for a token of no option: the type then refuses it)."""
    for candidate in ids:
        if value == opaque_value(seed, candidate):
            return candidate
    return ""


def choice_context(spec: dict, seed: int, lang: str) -> dict:
    """A choice item's options as its page shows them: in this student's order, each posting its token.

    Per student, neither an option's place nor its value tells which one is the key.
    """
    return {
        "options": [
            {"value": opaque_value(seed, option["id"]), "text": pick(option["text"], lang)}
            for option in shuffled_options(spec["options"], seed)
        ]
    }


def shuffled_options(options: list[dict], seed: int) -> list[dict]:
    """The options in this student's order (any order, the written one included, as often as chance has it)."""
    order = list(options)
    random.Random(seed ^ 0x5EED).shuffle(order)
    return order


def result(spec: dict, fraction: float, expected: Any, details: dict | None = None) -> QuizResult:
    """A result with partial credit; the item's `feedback_wrong` is its explanation, shown when the key may be."""
    total = points(spec)
    fraction = max(0.0, min(1.0, fraction))
    correct = fraction >= 1.0
    if correct:
        feedback = {"pt": "Correto.", "en": "Correct."}
    elif fraction > 0:
        feedback = {
            "pt": f"Parcialmente correto ({fraction:.0%}).",
            "en": f"Partly correct ({fraction:.0%}).",
        }
    else:
        feedback = {"pt": "Incorreto.", "en": "Incorrect."}
    extra = spec.get("feedback_wrong")
    explanation = dict(extra) if not correct and isinstance(extra, dict) else {}
    return QuizResult(round(total * fraction, 4), total, correct, feedback, expected, details or {}, explanation)


def normalize(text: str) -> str:
    """Case, accents, punctuation and spacing do not matter: 'Sigmóide ' == 'sigmoide'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", stripped).split())


def pick(texts: dict | None, lang: str) -> str:
    """The text in `lang`, else pt, else en (as the site's pick_language)."""
    texts = texts or {}
    return texts.get(lang) or texts.get("pt") or texts.get("en") or ""


def item_view(item: dict, lang: str) -> dict:
    """An item to order or to match, as its template shows it."""
    return {"id": item["id"], "text": pick(item.get("text"), lang), "code": item.get("code")}


def shuffled(items: list, seed: int, avoid: tuple[list, ...] = ()) -> list:
    """A per-student order that is never the written one, nor any order in `avoid` (where another exists)."""
    order = list(items)
    rng = random.Random(seed)
    tries = 0
    while len(order) > 1 and (order == items or (order in avoid and tries < 100)):
        rng.shuffle(order)
        tries += 1
    return order
