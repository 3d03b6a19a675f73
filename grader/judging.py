"""What a check author uses: the outcome of one call, and verdict helpers.

Everything here runs OUTSIDE the sandbox. Values that came out of it are
plain data (decoded and validated by `codec.decode_output`); none of them is
an object the student built, so no student-defined comparison ever runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class Outcome:
    """What one call of the student's function produced."""

    value: Any = None
    error: dict | None = None  # {"type": [names in MRO], "message", "traceback"}
    missing: str | None = None  # the function did not exist
    invalid: str | None = None  # the returned data failed validation
    died: str | None = None  # this call hit a limit or ended its process: timeout, memory_limit, signal 11...
    absent: bool = False  # no record at all: the sandbox ended before this case

    @property
    def raised(self) -> bool:
        return self.error is not None


@dataclass
class Verdict:
    passed: bool
    feedback: dict[str, str]


def ok(pt: str = "Correto.", en: str = "Correct.") -> Verdict:
    return Verdict(True, {"pt": pt, "en": en})


def fail(pt: str, en: str) -> Verdict:
    return Verdict(False, {"pt": pt, "en": en})


def pt_number(value: float, spec: str) -> str:
    """A number for the Portuguese feedback, with its decimal comma: pt_number(0.953, ".1%") == "95,3%"."""
    return format(value, spec).replace(".", ",")


def problem_with(outcome: Outcome) -> Verdict | None:
    """A failing verdict if the call produced no usable value, else None."""
    if outcome.absent:
        return fail(
            "O programa terminou antes deste teste (saída antecipada ou falha).",
            "The program ended before this test ran (early exit or crash).",
        )
    if outcome.died:
        return _died(outcome.died)
    if outcome.missing:
        return fail(
            f"A função `{outcome.missing}` não foi encontrada no seu código.",
            f"The function `{outcome.missing}` was not found in your code.",
        )
    if outcome.error:
        name = outcome.error["type"][0]
        message = outcome.error["message"]
        return fail(f"Sua função lançou {name}: {message}", f"Your function raised {name}: {message}")
    if outcome.invalid:
        return fail(f"Valor devolvido inválido: {outcome.invalid}", f"Invalid return value: {outcome.invalid}")
    return None


def _died(how: str) -> Verdict:
    if how == "timeout":
        return fail("Tempo esgotado neste teste (laço infinito?).", "Time ran out in this test (an endless loop?).")
    if how == "memory_limit":
        return fail("Limite de memória excedido neste teste.", "Memory limit exceeded in this test.")
    if how == "output_limit":
        return fail("Saída ou arquivo grande demais neste teste.", "Too much output or too large a file in this test.")
    return fail(
        f"Seu código encerrou o processo durante este teste ({how}).",
        f"Your code ended its process during this test ({how}).",
    )


def expect_tensor_close(
    outcome: Outcome, expected: torch.Tensor, *, rtol: float = 1e-4, atol: float = 1e-6, what: dict | None = None
) -> Verdict:
    """Pass when the call returned a finite tensor of the right shape close to expected."""
    problem = problem_with(outcome)
    if problem:
        return problem
    value = outcome.value
    if not isinstance(value, torch.Tensor):
        return fail("A função deve devolver um torch.Tensor.", "The function must return a torch.Tensor.")
    if tuple(value.shape) != tuple(expected.shape):
        return fail(
            f"Formato {tuple(value.shape)}, esperado {tuple(expected.shape)}.",
            f"Shape {tuple(value.shape)}, expected {tuple(expected.shape)}.",
        )
    value = value.to(torch.float64)
    if not torch.isfinite(value).all():
        return fail(
            "O resultado contém NaN ou infinito (estabilidade numérica?).",
            "The result contains NaN or infinity (numerical stability?).",
        )
    expected = expected.to(torch.float64)
    if not torch.allclose(value, expected, rtol=rtol, atol=atol):
        worst = (value - expected).abs().max().item()
        context = what or {"pt": "", "en": ""}
        return fail(
            f"Valores diferentes do esperado{context['pt']} (maior diferença {worst:.3g}).",
            f"Values differ from the expected ones{context['en']} (largest difference {worst:.3g}).",
        )
    return ok()


def expect_raises(outcome: Outcome, exception_name: str) -> Verdict:
    if outcome.absent or outcome.missing or outcome.died or outcome.invalid:
        return problem_with(outcome)  # type: ignore[return-value]
    if outcome.error is None:
        return fail(
            f"Esperava-se {exception_name}, mas a função não lançou erro.",
            f"Expected {exception_name}, but the function raised nothing.",
        )
    if exception_name not in outcome.error["type"]:
        got = outcome.error["type"][0]
        return fail(f"Esperava-se {exception_name}, veio {got}.", f"Expected {exception_name}, got {got}.")
    return ok()
