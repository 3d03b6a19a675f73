"""Hidden cases and judge for softmax-temperature. Runs outside the sandbox only.

The checks themselves (names, points, titles) are declared in exercise.toml.
"""

import torch

from grader.judging import expect_raises, expect_tensor_close


def _logits(rng, *shape, scale=3.0):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    return torch.randn(*shape, generator=generator) * scale


def make_cases(rng):
    cases = [
        {"check": "matches_softmax", "call": "softmax", "args": [_logits(rng, rng.randint(2, 5), rng.randint(3, 9))]},
        {"check": "matches_softmax", "call": "softmax", "args": [_logits(rng, rng.randint(4, 12))]},
    ]
    for temperature in (round(rng.uniform(0.2, 0.6), 2), round(rng.uniform(1.5, 3.0), 2), 10.0):
        cases.append(
            {
                "check": "temperature",
                "call": "softmax",
                "args": [_logits(rng, 3, rng.randint(4, 8))],
                "kwargs": {"temperature": temperature},
            }
        )
    big = _logits(rng, 2, 6, scale=1.0) + torch.tensor([[1000.0], [-1000.0]])
    cases.append({"check": "stable", "call": "softmax", "args": [big]})
    cases.append({"check": "stable", "call": "softmax", "args": [_logits(rng, 5, scale=400.0)]})
    cube = _logits(rng, rng.randint(2, 4), rng.randint(3, 5), rng.randint(3, 6))
    for dim in (0, 1, -3):
        cases.append({"check": "any_dim", "call": "softmax", "args": [cube], "kwargs": {"dim": dim}})
    for temperature in (0.0, -round(rng.uniform(0.1, 2.0), 2)):
        cases.append(
            {
                "check": "rejects_bad_temperature",
                "call": "softmax",
                "args": [_logits(rng, 4)],
                "kwargs": {"temperature": temperature},
            }
        )
    return cases


def judge(case, outcome, reference):
    if case["check"] == "rejects_bad_temperature":
        return expect_raises(outcome, "ValueError")
    logits = case["args"][0].to(torch.float64)
    expected = reference.softmax(logits, **case.get("kwargs", {}))
    return expect_tensor_close(outcome, expected, rtol=1e-4, atol=1e-6)
