# A student who thinks one number at a time: Python loops over the elements, the standard
# library's math.exp, float64 results, and a stable branch on the sign for each function.
import math

import torch


def _each(x, f):
    values = [f(v) for v in x.reshape(-1).tolist()]
    return torch.tensor(values, dtype=torch.float64).reshape(x.shape)


def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def _tanh(v):
    e = math.exp(-2 * abs(v))  # never overflows: the exponent is <= 0
    t = (1 - e) / (1 + e)
    return t if v >= 0 else -t


def sigmoid(x):
    return _each(x, _sigmoid)


def sigmoid_grad(x):
    return _each(x, lambda v: _sigmoid(v) * (1 - _sigmoid(v)))


def relu(x):
    return _each(x, lambda v: v if v > 0 else 0.0)


def relu_grad(x):
    return _each(x, lambda v: 1.0 if v > 0 else 0.0)


def tanh(x):
    return _each(x, _tanh)


def tanh_grad(x):
    return _each(x, lambda v: 1 - _tanh(v) ** 2)
