# expected_score: 8
# mistake: calls a run divergent only once its loss is nan or infinite;
# a loss that grew but is still finite reads as "too slow".
import math

import torch


def gradient_descent(x, y, lr, steps):
    w = torch.zeros(x.shape[1], dtype=x.dtype)
    losses = []
    for _ in range(steps):
        error = x @ w - y
        losses.append((error**2).mean())
        w = w - lr * 2 * x.T @ error / x.shape[0]
    return torch.stack(losses)


def diagnose(losses):
    first, last = float(losses[0]), float(losses[-1])
    if not math.isfinite(last):
        return "diverges"
    if last <= 0.01 * first:
        return "converges"
    return "too slow"
