"""Hidden cases and judge for learning-rate. Runs outside the sandbox only."""

import torch

from grader.judging import expect_tensor_close, fail, ok, problem_with

LEARNING_RATES = {"too slow": 0.001, "converges": 0.1, "diverges": 1.5}


def _data(rng):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    x = torch.randn(40, 3, generator=generator)
    y = x @ torch.tensor([2.0, -1.0, 0.5]) + 0.01 * torch.randn(40, generator=generator)
    return x, y


def make_cases(rng):
    x, y = _data(rng)
    lr = rng.choice([0.05, 0.1, 0.2])
    cases = [{"check": "descent", "call": "gradient_descent", "args": [x, y, lr, 30]}]
    for verdict in ("too slow", "converges"):
        runs = _run(x, y, LEARNING_RATES[verdict], 100)
        cases.append({"check": verdict.replace(" ", "_"), "call": "diagnose", "args": [runs], "verdict": verdict})
    for runs in _diverging(x, y):
        cases.append({"check": "diverges", "call": "diagnose", "args": [runs], "verdict": "diverges"})
    return cases


def _diverging(x, y):
    """One diverging run, cut where it still is finite, where it first reaches inf, and where it first is nan.

    A float32 run at lr = 1.5 overflows to inf within 28 to 82 steps and turns nan (inf - inf)
    within 56 to 165 (measured on 200 seeds); cut at those steps, a diagnosis that misses nan, or
    one that only looks for non-finite values, fails on every seed, not only when step 100 lands
    on a nan.
    """
    for lr in (LEARNING_RATES["diverges"], 3.0, 6.0):  # the larger rates only if 1.5 ever fell short
        losses = _run(x, y, lr, 400)
        cuts = [losses[:10]]
        for first in (torch.isinf(losses).nonzero(), torch.isnan(losses).nonzero()):
            if len(first) and int(first[0]) >= 10:
                cuts.append(losses[: int(first[0]) + 1])
        if len(cuts) == 3:
            break
    return cuts


def _run(x, y, lr, steps):
    w = torch.zeros(x.shape[1], dtype=x.dtype)
    losses = []
    for _ in range(steps):
        error = x @ w - y
        losses.append((error**2).mean())
        w = w - lr * 2 * x.T @ error / x.shape[0]
    return torch.stack(losses)


def judge(case, outcome, reference):
    if case["check"] == "descent":
        x, y, lr, steps = case["args"]
        expected = _run(x.to(torch.float64), y.to(torch.float64), lr, steps)
        return expect_tensor_close(outcome, expected, rtol=1e-3, atol=1e-6)
    problem = problem_with(outcome)
    if problem:
        return problem
    if outcome.value != case["verdict"]:
        return fail(
            f"Diagnóstico {outcome.value!r}; esta execução {case['verdict']!r}.",
            f"Diagnosis {outcome.value!r}; this run {case['verdict']!r}.",
        )
    return ok()
