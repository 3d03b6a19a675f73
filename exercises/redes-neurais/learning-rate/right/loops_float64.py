# A student who writes the sums out: Python loops over examples and features in float64,
# the losses kept as Python floats and turned into a tensor at the end.
import math

import torch


def gradient_descent(x, y, lr, steps):
    rows, targets = x.double().tolist(), y.double().tolist()
    n, d = len(rows), len(rows[0])
    w = [0.0] * d
    losses = []
    for _ in range(steps):
        errors = [sum(row[j] * w[j] for j in range(d)) - t for row, t in zip(rows, targets, strict=True)]
        losses.append(sum(e * e for e in errors) / n)
        grad = [2 * sum(errors[i] * rows[i][j] for i in range(n)) / n for j in range(d)]
        w = [w[j] - lr * grad[j] for j in range(d)]
    return torch.tensor(losses, dtype=torch.float64)


def diagnose(losses):
    first, last = losses[0].item(), losses[-1].item()
    if math.isnan(last) or math.isinf(last) or last > first:
        return "diverges"
    if last / first <= 0.01:
        return "converges"
    return "too slow"
