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
import unicodedata
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


def _validate_interactive(spec: dict) -> list[tuple[str, str]]:
    """An optional widget the student plays with before answering (graded by the item's own type)."""
    widget = spec.get("interactive")
    if widget is None:
        return []
    if not isinstance(widget, dict) or widget.get("kind") != "softmax_temperature":
        return [("quiz.interactive.kind", "the only kind so far is 'softmax_temperature'")]
    tokens, logits = widget.get("tokens"), widget.get("logits")
    if (
        not isinstance(tokens, list)
        or not isinstance(logits, list)
        or len(tokens) != len(logits)
        or len(tokens) < 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in logits)
    ):
        return [("quiz.interactive", "needs tokens and logits: two lists of the same length (2 or more)")]
    return []


def validate_spec(spec: dict) -> list[tuple[str, str]]:
    validator = _VALIDATORS.get(spec.get("type", ""))
    if not validator:
        return [("quiz.type", "unknown type")]
    errors = validator(spec) + _validate_interactive(spec)
    for index, sample in enumerate(spec.get("samples", [])):
        # Wrong answers students really give, with the share of the points each must get (selftest checks).
        score = sample.get("score") if isinstance(sample, dict) else None
        if "answer" not in (sample if isinstance(sample, dict) else {}) or not isinstance(score, (int, float)):
            errors.append((f"quiz.samples[{index}]", "needs answer and score (a fraction of the points, 0 to 1)"))
        elif not 0 <= score <= 1:
            errors.append((f"quiz.samples[{index}].score", "must be between 0 and 1"))
    return errors


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


def _bilingual_ok(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(lang), str) and value.get(lang) for lang in ("pt", "en")
    )


def _validate_items(spec: dict, key: str) -> tuple[list[str], list[tuple[str, str]]]:
    """A list of {id, text: {pt, en}} (or `code` for Parsons lines), ids unique."""
    items = spec.get(key)
    if not isinstance(items, list) or len(items) < 2:
        return [], [(f"quiz.{key}", "needs at least two entries")]
    errors, ids = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            errors.append((f"quiz.{key}[{index}]", "needs an id"))
            continue
        if not (_bilingual_ok(item.get("text")) or isinstance(item.get("code"), str)):
            errors.append((f"quiz.{key}[{index}]", "needs text.pt and text.en (or code)"))
        ids.append(item["id"])
    if len(set(ids)) != len(ids):
        errors.append((f"quiz.{key}", "ids must be unique"))
    return ids, errors


def _validate_multiple_choice(spec: dict) -> list[tuple[str, str]]:
    ids, errors = _validate_items(spec, "options")
    answer = spec.get("answer")
    if not isinstance(answer, list) or not answer or not set(answer) <= set(ids):
        errors.append(("quiz.answer", f"must be a non-empty list of option ids from {ids}"))
    return errors


def _validate_ordering(spec: dict) -> list[tuple[str, str]]:
    # The items are listed in their correct order; students see them shuffled.
    return _validate_items(spec, "items")[1]


def _validate_matching(spec: dict) -> list[tuple[str, str]]:
    left, errors = _validate_items(spec, "left")
    right, more = _validate_items(spec, "right")
    errors += more
    answer = spec.get("answer")
    if not isinstance(answer, dict) or set(answer) != set(left) or not set(answer.values()) <= set(right):
        errors.append(("quiz.answer", "must map every left id to a right id"))
    return errors


def _validate_short_answer(spec: dict) -> list[tuple[str, str]]:
    accepted = spec.get("accepted")
    if not isinstance(accepted, dict) or not any(isinstance(accepted.get(lang), list) for lang in ("pt", "en")):
        return [("quiz.accepted", "needs lists of accepted answers under pt and/or en")]
    return []


def _validate_list_answer(spec: dict) -> list[tuple[str, str]]:
    items = spec.get("items")
    errors = []
    if not isinstance(items, list) or not items:
        return [("quiz.items", "needs a list of {names = [...]} entries")]
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("names"), list) or not item["names"]:
            errors.append((f"quiz.items[{index}]", "needs names (the accepted spellings, pt and en)"))
    required = spec.get("required", len(items))
    if not isinstance(required, int) or not 1 <= required <= len(items):
        errors.append(("quiz.required", f"must be between 1 and {len(items)}"))
    return errors


def _validate_free_text(spec: dict) -> list[tuple[str, str]]:
    errors = []
    concepts = spec.get("concepts")
    if not isinstance(concepts, list) or not concepts:
        return [("quiz.concepts", "needs at least one [[quiz.concepts]] with name, weight and pt/en patterns")]
    for index, concept in enumerate(concepts):
        where = f"quiz.concepts[{index}]"
        if not isinstance(concept, dict) or not _bilingual_ok(concept.get("name")):
            errors.append((f"{where}.name", "needs pt and en"))
            continue
        weight = concept.get("weight", 1)
        if not isinstance(weight, (int, float)) or weight <= 0:
            errors.append((f"{where}.weight", "must be a positive number"))
        patterns = [p for lang in ("pt", "en") for p in concept.get(lang, [])]
        if not patterns:
            errors.append((where, "needs patterns under pt and/or en"))
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                errors.append((where, f"bad pattern {pattern!r}: {exc}"))
    min_words = spec.get("min_words", 10)
    if not isinstance(min_words, int) or min_words < 1:
        errors.append(("quiz.min_words", "must be a positive whole number"))
    return errors


_VALIDATORS = {
    "free_text": _validate_free_text,
    "numeric": _validate_numeric,
    "single_choice": _validate_single_choice,
    "multiple_choice": _validate_multiple_choice,
    "ordering": _validate_ordering,
    "parsons": _validate_ordering,
    "matching": _validate_matching,
    "short_answer": _validate_short_answer,
    "list_answer": _validate_list_answer,
}


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


def _result(spec: dict, fraction: float, expected: Any, details: dict | None = None) -> QuizResult:
    points = float(spec.get("points", 1))
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
    if not correct and isinstance(extra, dict):
        feedback = {lang: f"{feedback[lang]} {extra.get(lang, '')}".strip() for lang in ("pt", "en")}
    return QuizResult(round(points * fraction, 4), points, correct, feedback, expected, details or {})


def _as_id_list(answer: Any, ids: list[str]) -> list[str]:
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
        raise MalformedAnswer("Escolha pelo menos uma opção.", "Choose at least one option.")
    if not set(answer) <= set(ids):
        raise MalformedAnswer("Escolha apenas opções da lista.", "Choose only options from the list.")
    return answer


def _grade_multiple_choice(spec: dict, answer: Any, params: dict) -> QuizResult:
    ids = [option["id"] for option in spec["options"]]
    chosen = set(_as_id_list(answer, ids))
    right = set(spec["answer"])
    # Each right option chosen earns its share; each wrong one chosen takes a share away.
    fraction = (len(chosen & right) - len(chosen - right)) / len(right)
    return _result(spec, fraction, sorted(right), {"chosen": sorted(chosen)})


def _grade_ordering(spec: dict, answer: Any, params: dict) -> QuizResult:
    ids = [item["id"] for item in spec["items"]]
    if not isinstance(answer, list) or sorted(answer) != sorted(ids):
        raise MalformedAnswer("Use cada item exatamente uma vez.", "Use every item exactly once.")
    position = {item: index for index, item in enumerate(answer)}
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    in_order = sum(position[a] < position[b] for a, b in pairs) / len(pairs)
    # Kendall's tau, floored at 0: 1 only for the exact order, 0 for a random or reversed one.
    return _result(spec, 2 * in_order - 1, ids)


def _grade_matching(spec: dict, answer: Any, params: dict) -> QuizResult:
    left = [item["id"] for item in spec["left"]]
    right = {item["id"] for item in spec["right"]}
    if not isinstance(answer, dict) or set(answer) != set(left) or not set(answer.values()) <= right:
        raise MalformedAnswer("Associe cada item a uma opção.", "Match every item to an option.")
    hits = sum(answer[key] == spec["answer"][key] for key in left)
    return _result(spec, hits / len(left), spec["answer"])


def normalize(text: str) -> str:
    """Case, accents, punctuation and spacing do not matter: 'Sigmóide ' == 'sigmoide'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", stripped).split())


def _grade_short_answer(spec: dict, answer: Any, params: dict) -> QuizResult:
    if not isinstance(answer, str) or not answer.strip():
        raise MalformedAnswer("Escreva uma resposta.", "Write an answer.")
    accepted = {normalize(a) for lang in ("pt", "en") for a in spec["accepted"].get(lang, [])}
    return _result(spec, 1.0 if normalize(answer) in accepted else 0.0, sorted(accepted))


def _split_list(answer: Any) -> list[str]:
    if isinstance(answer, list):
        parts = [str(a) for a in answer]
    elif isinstance(answer, str):
        parts = re.split(r"[\n,;]+", answer)
    else:
        parts = []
    parts = [normalize(p) for p in parts if normalize(p)]
    if not parts:
        raise MalformedAnswer(
            "Escreva os itens separados por vírgula ou um por linha.",
            "Write the items separated by commas, or one per line.",
        )
    return parts


def _grade_list_answer(spec: dict, answer: Any, params: dict) -> QuizResult:
    given = set(_split_list(answer))
    found = [item for item in spec["items"] if given & {normalize(name) for name in item["names"]}]
    required = spec.get("required", len(spec["items"]))
    return _result(
        spec,
        min(len(found), required) / required,
        [item["names"][0] for item in spec["items"]],
        {"found": [item["names"][0] for item in found]},
    )


# Words that show a sentence rather than a list of keywords (pt and en).
_GLUE_WORDS = (
    "que de do da dos das e é o a os as um uma para por com em no na se ser são porque isso "
    "the is are a an of to that and it in on for by with be because which this so"
)
_GLUE = {normalize(word) for word in _GLUE_WORDS.split(" ")}


def _grade_free_text(spec: dict, answer: Any, params: dict) -> QuizResult:
    """Rubric of concepts: a provisional score that an instructor reviews."""
    if not isinstance(answer, str) or not answer.strip():
        raise MalformedAnswer("Escreva sua resposta.", "Write your answer.")
    text = normalize(answer)
    words = text.split()
    min_words = spec.get("min_words", 10)
    points = float(spec.get("points", 1))
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
        total = sum(c.get("weight", 1) for c in concepts)
        fraction = sum(c.get("weight", 1) for c in found) / total
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
    return QuizResult(round(points * fraction, 4), points, fraction >= 1.0, feedback, None, details)


_GRADERS = {
    "free_text": _grade_free_text,
    "numeric": _grade_numeric,
    "single_choice": _grade_single_choice,
    "multiple_choice": _grade_multiple_choice,
    "ordering": _grade_ordering,
    "parsons": _grade_ordering,
    "matching": _grade_matching,
    "short_answer": _grade_short_answer,
    "list_answer": _grade_list_answer,
}
