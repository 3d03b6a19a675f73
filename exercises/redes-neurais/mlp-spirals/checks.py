"""Hidden data and judge for mlp-spirals. Runs outside the sandbox only.

Two interleaved spirals are drawn fresh for every grading; the student's code
sees the training points and the test points, never the test labels.
"""

import math

import torch

from grader.judging import fail, ok, problem_with, pt_number

N_TRAIN, N_TEST = 600, 400


def spirals(generator, n):
    labels = torch.randint(0, 2, (n,), generator=generator)
    radius = torch.rand(n, generator=generator) * 0.9 + 0.1
    angle = radius * 3 * math.pi + labels * math.pi
    points = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    points += torch.randn(n, 2, generator=generator) * 0.02
    return points, labels


def make_cases(rng):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    x_train, y_train = spirals(generator, N_TRAIN)
    x_test, y_test = spirals(generator, N_TEST)
    # One training run, judged by three checks. The test labels stay out here.
    checks = ["labels", "accuracy_80", "accuracy_95"]
    return [{"checks": checks, "call": "fit_predict", "args": [x_train, y_train, x_test], "labels": y_test}]


def _predictions(case, outcome):
    problem = problem_with(outcome)
    if problem:
        return None, problem
    value = outcome.value
    n = case["labels"].shape[0]
    if not isinstance(value, torch.Tensor) or tuple(value.shape) != (n,):
        return None, fail(
            f"Devolva um tensor com {n} classes, uma por ponto de teste.",
            f"Return a tensor of {n} classes, one per test point.",
        )
    if value.dtype.is_floating_point or not bool(((value == 0) | (value == 1)).all()):
        return None, fail(
            "As previsões devem ser as classes 0 ou 1 (use argmax), não probabilidades.",
            "Predictions must be the classes 0 or 1 (use argmax), not probabilities.",
        )
    return value, None


def judge(case, outcome, reference):
    predictions, problem = _predictions(case, outcome)
    if problem:
        return problem
    if case["check"] == "labels":
        return ok()
    accuracy = (predictions == case["labels"]).float().mean().item()
    target = 0.80 if case["check"] == "accuracy_80" else 0.95
    if accuracy >= target:
        return ok(f"Acurácia {pt_number(accuracy, '.1%')}.", f"Accuracy {accuracy:.1%}.")
    return fail(
        f"Acurácia {pt_number(accuracy, '.1%')} nos pontos de teste; a meta é {target:.0%}.",
        f"Accuracy {accuracy:.1%} on the test points; the target is {target:.0%}.",
    )
