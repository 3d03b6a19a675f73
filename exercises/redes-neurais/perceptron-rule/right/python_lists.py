# A student who does it with plain Python numbers: lists for w, a float for b, a dot product
# by hand, and a learns() that counts the mistakes of each epoch and returns a bool tensor.
import torch


def _step(w, b, row):
    return 1 if sum(wi * xi for wi, xi in zip(w, row, strict=True)) + b >= 0 else 0


def predict(w, b, x):
    w, b = torch.as_tensor(w).tolist(), float(b)
    return torch.tensor([_step(w, b, row) for row in x.tolist()])


def _epoch(w, b, rows, labels, lr):
    mistakes = 0
    for row, label in zip(rows, labels, strict=True):
        error = label - _step(w, b, row)
        if error:
            mistakes += 1
            w = [wi + lr * error * xi for wi, xi in zip(w, row, strict=True)]
            b += lr * error
    return w, b, mistakes


def train_perceptron(x, y, lr=1.0, epochs=10):
    rows, labels = x.tolist(), y.tolist()
    w, b = [0.0] * len(rows[0]), 0.0
    for _ in range(epochs):
        w, b, _ = _epoch(w, b, rows, labels, lr)
    return torch.tensor(w + [b])


def learns(x, y, epochs=50):
    rows, labels = x.tolist(), y.tolist()
    w, b = [0.0] * len(rows[0]), 0.0
    done = torch.tensor(False)
    for _ in range(epochs):
        w, b, mistakes = _epoch(w, b, rows, labels, 1.0)
        done = torch.tensor(mistakes == 0)
        if done:
            break
    return done
