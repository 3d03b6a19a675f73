"""Hidden cases and judge for activation-derivatives. Runs outside the sandbox only."""

import torch

from grader.judging import expect_tensor_close

FUNCTIONS = ["sigmoid", "sigmoid_grad", "relu", "relu_grad", "tanh", "tanh_grad"]


def _inputs(rng):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    x = torch.randn(rng.randint(3, 6), rng.randint(4, 8), generator=generator) * 4
    x[0, 0] = 0.0  # every case holds an exact zero: the derivative of ReLU there is 0 by convention
    x[-1, -1] = -100.0  # large magnitudes: e^x overflows float32 past about 88
    x[0, 1] = 100.0
    return x


def make_cases(rng):
    return [{"check": name, "call": name, "args": [_inputs(rng)]} for name in FUNCTIONS for _ in range(2)]


def _expected(name, x):
    x = x.to(torch.float64).requires_grad_(name.endswith("_grad"))
    base = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[name.removesuffix("_grad")]
    y = base(x)
    if not name.endswith("_grad"):
        return y.detach()
    y.sum().backward()
    return x.grad


def judge(case, outcome, reference):
    return expect_tensor_close(outcome, _expected(case["call"], case["args"][0]), rtol=1e-4, atol=1e-6)
