"""Per-student parameters: named generators, each seeded from the exercise and the student.

The same student always sees the same numbers and an instructor can recompute
them. A generator takes a `random.Random` and its item's `[quiz.generator_config]`
(validated by the generator's config model in `CONFIGS`) and returns the
parameters the prompt shows with the answer they lead to.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from typing import Annotated

from pydantic import Field, field_validator

from grader.fields import PositiveNumber, Strict, problem


def seed_for(exercise_id: str, student_key: str) -> int:
    digest = hashlib.sha256(f"{exercise_id}\x1f{student_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _softmax(values: list[float], temperature: float) -> list[float]:
    scaled = [v / temperature for v in values]
    top = max(scaled)
    exps = [math.exp(v - top) for v in scaled]
    total = sum(exps)
    return [e / total for e in exps]


Probability = Annotated[float, Field(ge=0, le=1)]


class SoftmaxProbabilityConfig(Strict):
    tokens: Annotated[list[str], Field(min_length=2)] = ["gato", "cachorro", "modelo", "rede"]
    temperatures: Annotated[list[PositiveNumber], Field(min_length=1)] = [0.5, 0.8, 1.5, 2.0]
    probability_range: Annotated[
        list[Probability],
        Field(
            min_length=2,
            max_length=2,
            description="[low, high]: numbers are drawn again until the answer falls in it, so that 0 or 1 "
            "is never within the tolerance",
        ),
    ] = [0.03, 0.97]

    @field_validator("probability_range")
    @classmethod
    def _room(cls, value: list[float]) -> list[float]:
        if value[1] - value[0] < 0.2:
            raise problem("", "needs low < high, at least 0.2 apart")
        return value


def _gen_softmax_probability(rng: random.Random, config: dict) -> tuple[dict, float]:
    """Logits and a temperature; the answer is the probability of one token, inside `probability_range`.

    A probability near 0 or 1 makes a lazy answer (0 or 1) right within the
    tolerance, so such a draw is thrown away and the next one taken.
    """
    tokens = list(config.get("tokens", ["gato", "cachorro", "modelo", "rede"]))
    temperatures = config.get("temperatures", [0.5, 0.8, 1.5, 2.0])
    low, high = config.get("probability_range", [0.03, 0.97])
    for _ in range(10_000):
        logits = [round(rng.uniform(-1.0, 4.0), 1) for _ in tokens]
        temperature = rng.choice(temperatures)
        target = rng.randrange(len(tokens))
        probability = _softmax(logits, temperature)[target]
        if low <= probability <= high:
            break
    else:
        raise ValueError(f"no draw in {tokens} at {temperatures} gives a probability in [{low}, {high}]")
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
CONFIGS: dict[str, type[Strict]] = {
    "softmax_probability": SoftmaxProbabilityConfig,
}


def params_for(spec: dict, exercise_id: str, student_key: str) -> dict:
    """The parameters one student sees (empty for items without a generator)."""
    generator = spec.get("generator")
    if not generator:
        return {}
    rng = random.Random(seed_for(exercise_id, student_key))
    params, answer = GENERATORS[generator](rng, spec.get("generator_config", {}))
    return {**params, "answer": answer}
