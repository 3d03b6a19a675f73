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
    for verdict, rate in LEARNING_RATES.items():
        runs = _run(x, y, rate, 100)
        check = verdict.replace(" ", "_")
        cases.append({"check": check, "call": "diagnose", "args": [runs], "verdict": verdict})
    return cases


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
