"""Hidden cases and judge for backprop-by-hand: compared with autograd, outside the sandbox."""

import torch

from grader.judging import fail, ok, problem_with

NAMES = ["dw1", "db1", "dw2", "db2"]


def _problem(rng, n, k):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    d, hidden = rng.randint(2, 4), rng.randint(3, 6)
    tensors = [
        torch.randn(n, d, generator=generator),
        torch.randn(n, k, generator=generator),
        torch.randn(d, hidden, generator=generator),
        torch.randn(hidden, generator=generator),
        torch.randn(hidden, k, generator=generator),
        torch.randn(k, generator=generator),
    ]
    return [t.to(torch.float64) for t in tensors]


def make_cases(rng):
    checks = ["shapes", "last_layer", "first_layer"]
    return [
        # k = 2 in every grading: dividing by n instead of n·k (a mistake hint 1 warns about)
        # must fail on every seed, not only when k happens to be drawn above 1.
        {"checks": checks, "call": "gradients", "args": _problem(rng, rng.randint(5, 12), 2)},
        {"checks": checks, "call": "gradients", "args": _problem(rng, 1, rng.randint(1, 3))},
    ]


def _autograd(x, y, w1, b1, w2, b2):
    params = [p.clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    w1, b1, w2, b2 = params
    out = torch.relu(x @ w1 + b1) @ w2 + b2
    ((out - y) ** 2).mean().backward()
    return [p.grad for p in params]


def judge(case, outcome, reference):
    problem = problem_with(outcome)
    if problem:
        return problem
    value = outcome.value
    expected = _autograd(*case["args"])
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(g, torch.Tensor) and g.shape == e.shape for g, e in zip(value, expected, strict=False))
    ):
        return fail(
            "Devolva [dw1, db1, dw2, db2], cada um com o formato do seu parâmetro.",
            "Return [dw1, db1, dw2, db2], each shaped like its parameter.",
        )
    if case["check"] == "shapes":
        return ok()
    pick = [2, 3] if case["check"] == "last_layer" else [0, 1]
    for index in pick:
        # Tolerance on the gradient's own scale: float32 buffers (torch.zeros' default) summed
        # example by example are right to about 1e-6 of it, while every mistake in wrong/ is off
        # by a factor (2, n·k) or by whole terms (the ReLU mask).
        error = (value[index].to(torch.float64) - expected[index]).abs().max().item()
        if not error <= 1e-4 * expected[index].abs().max().item() + 1e-7:
            name = NAMES[index]
            return fail(f"{name} difere do que o autograd calcula.", f"{name} differs from what autograd computes.")
    return ok()
