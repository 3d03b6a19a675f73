# A student who keeps w and b in one float32 vector with a constant-1 feature appended,
# updates it in place, and stops learns() when an epoch makes no update.
import torch


def predict(w, b, x):
    return torch.where(x @ w + b >= 0, 1, 0)


def _with_ones(x):
    return torch.cat([x.float(), torch.ones(x.shape[0], 1)], dim=1)


def _epoch(wb, xb, y, lr):
    updates = 0
    for xi, yi in zip(xb, y, strict=True):
        error = int(yi) - int(xi @ wb >= 0)
        if error != 0:
            wb.add_(lr * error * xi)
            updates += 1
    return updates


def train_perceptron(x, y, lr=1.0, epochs=10):
    xb, wb = _with_ones(x), torch.zeros(x.shape[1] + 1)
    for _ in range(epochs):
        _epoch(wb, xb, y, lr)
    return wb


def learns(x, y, epochs=50):
    xb, wb = _with_ones(x), torch.zeros(x.shape[1] + 1)
    return any(_epoch(wb, xb, y, 1.0) == 0 for _ in range(epochs))
