"""Quiz grading: pure functions, run in the web request (nothing untrusted runs).

Each item type has a `_validate_<type>` (authoring errors) and a
`_grade_<type>` (a student's answer). Per-student parameters come from a named
generator in `GENERATORS`, seeded from the exercise and the student, so the
same student always sees the same numbers and an instructor can recompute them.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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


# --- per-student parameters -------------------------------------------------


def seed_for(exercise_id: str, student_key: str) -> int:
    digest = hashlib.sha256(f"{exercise_id}\x1f{student_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _softmax(values: list[float], temperature: float) -> list[float]:
    scaled = [v / temperature for v in values]
    top = max(scaled)
    exps = [math.exp(v - top) for v in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def _gen_softmax_probability(rng: random.Random, config: dict) -> tuple[dict, float]:
    """Logits and a temperature; the answer is the probability of one token."""
    tokens = list(config.get("tokens", ["gato", "cachorro", "modelo", "rede"]))
    logits = [round(rng.uniform(-1.0, 4.0), 1) for _ in tokens]
    temperature = rng.choice(config.get("temperatures", [0.5, 0.8, 1.5, 2.0]))
    target = rng.randrange(len(tokens))
    probability = _softmax(logits, temperature)[target]
    params = {
        "tokens": tokens,
        "logits": logits,
        "temperature": temperature,
        "target": tokens[target],
        "logits_table": [[t, v] for t, v in zip(tokens, logits, strict=True)],
    }
    return params, probability


GENERATORS: dict[str, Callable[[random.Random, dict], tuple[dict, float]]] = {
    "softmax_probability": _gen_softmax_probability,
}


def params_for(spec: dict, exercise_id: str, student_key: str) -> dict:
    """The parameters one student sees (empty for items without a generator)."""
    generator = spec.get("generator")
    if not generator:
        return {}
    rng = random.Random(seed_for(exercise_id, student_key))
    params, answer = GENERATORS[generator](rng, spec.get("generator_config", {}))
    return {**params, "answer": answer}


def format_value(value: Any, lang: str) -> str:
    """Numbers as the reader writes them: 0,5 in Portuguese, 0.5 in English."""
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "pt" else text
    if isinstance(value, list):
        # A list of [label, number] pairs reads as "a: 1,5; b: 2"; ";" since "," is the pt decimal mark.
        parts = [
            f"{item[0]}: {format_value(item[1], lang)}"
            if isinstance(item, list) and len(item) == 2
            else format_value(item, lang)
            for item in value
        ]
        return "; ".join(parts)
    return str(value)


def render_prompt(template: str, params: dict, lang: str = "pt") -> str:
    """Fill `{{name}}` placeholders; unknown names stay visible so authors notice."""

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key in params and key != "answer":
            return format_value(params[key], lang)
        return match.group(0)

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", replace, template)


# --- validation -----------------------------------------------------------------


def validate_spec(spec: dict) -> list[tuple[str, str]]:
    validator = _VALIDATORS.get(spec.get("type", ""))
    return validator(spec) if validator else [("quiz.type", "unknown type")]


def _validate_numeric(spec: dict) -> list[tuple[str, str]]:
    errors = []
    has_answer = isinstance(spec.get("answer"), (int, float)) and not isinstance(spec.get("answer"), bool)
    generator = spec.get("generator")
    if generator is not None and generator not in GENERATORS:
        errors.append(("quiz.generator", f"unknown generator {generator!r}; known: {', '.join(GENERATORS)}"))
    if not has_answer and generator is None:
        errors.append(("quiz.answer", "a numeric item needs an answer or a generator"))
    tolerance = spec.get("tolerance")
    if not isinstance(tolerance, dict) or not set(tolerance) & {"absolute", "relative"}:
        errors.append(("quiz.tolerance", "needs 'absolute' and/or 'relative'"))
    else:
        for key, value in tolerance.items():
            if key not in ("absolute", "relative"):
                errors.append((f"quiz.tolerance.{key}", "unknown; use absolute or relative"))
            elif not isinstance(value, (int, float)) or value < 0:
                errors.append((f"quiz.tolerance.{key}", f"must be a non-negative number, got {value!r}"))
    return errors


def _validate_single_choice(spec: dict) -> list[tuple[str, str]]:
    errors = []
    options = spec.get("options")
    if not isinstance(options, list) or len(options) < 2:
        return [("quiz.options", "needs at least two options")]
    ids = []
    for index, option in enumerate(options):
        if not isinstance(option, dict) or not isinstance(option.get("id"), str):
            errors.append((f"quiz.options[{index}]", "needs an id and text.pt/text.en"))
            continue
        text = option.get("text")
        if not isinstance(text, dict) or not all(isinstance(text.get(lang), str) for lang in ("pt", "en")):
            errors.append((f"quiz.options[{index}].text", "needs pt and en"))
        ids.append(option["id"])
    if len(set(ids)) != len(ids):
        errors.append(("quiz.options", "option ids must be unique"))
    if spec.get("answer") not in ids:
        errors.append(("quiz.answer", f"must be one of the option ids {ids}"))
    return errors


_VALIDATORS = {"numeric": _validate_numeric, "single_choice": _validate_single_choice}


# --- grading --------------------------------------------------------------------


def grade(spec: dict, answer: Any, params: dict | None = None) -> QuizResult:
    """Grade one answer. Raises MalformedAnswer when it cannot be read."""
    grader = _GRADERS[spec["type"]]
    return grader(spec, answer, params or {})


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?$")


def parse_number(raw: Any) -> float:
    """Read a number as a Brazilian or English student types it: 0,25 / 0.25 / 25%."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        if not isinstance(raw, str):
            raise MalformedAnswer("Digite um número.", "Type a number.")
        text = raw.strip().replace(" ", "").replace("\u00a0", "")
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


def _grade_numeric(spec: dict, answer: Any, params: dict) -> QuizResult:
    value = parse_number(answer)
    expected = float(params["answer"]) if "answer" in params else float(spec["answer"])
    tolerance = spec["tolerance"]
    allowed = max(tolerance.get("absolute", 0.0), tolerance.get("relative", 0.0) * abs(expected))
    points = float(spec.get("points", 1))
    correct = abs(value - expected) <= allowed
    if correct:
        feedback = {"pt": "Correto.", "en": "Correct."}
    else:
        feedback = {
            "pt": spec.get("feedback_wrong", {}).get("pt", "Ainda não. Revise o cálculo."),
            "en": spec.get("feedback_wrong", {}).get("en", "Not yet. Check your calculation."),
        }
    return QuizResult(
        score=points if correct else 0.0,
        max_score=points,
        correct=correct,
        feedback=feedback,
        expected=expected,
        details={"given": value, "allowed_error": allowed},
    )


def _grade_single_choice(spec: dict, answer: Any, params: dict) -> QuizResult:
    ids = [option["id"] for option in spec["options"]]
    if answer not in ids:
        raise MalformedAnswer("Escolha uma das opções.", "Choose one of the options.")
    points = float(spec.get("points", 1))
    correct = answer == spec["answer"]
    chosen = next(o for o in spec["options"] if o["id"] == answer)
    default = {"pt": "Correto." if correct else "Incorreto.", "en": "Correct." if correct else "Incorrect."}
    feedback = chosen.get("feedback", default)
    return QuizResult(
        score=points if correct else 0.0,
        max_score=points,
        correct=correct,
        feedback=feedback,
        expected=spec["answer"],
    )


_GRADERS = {"numeric": _grade_numeric, "single_choice": _grade_single_choice}
