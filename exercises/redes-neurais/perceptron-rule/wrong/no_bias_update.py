# expected_score: 2
# mistake: updates the weights but never the bias, so the boundary always passes through the origin.
import torch


def predict(w, b, x):
    return (x @ w + b >= 0).to(torch.int64)


def train_perceptron(x, y, lr=1.0, epochs=10):
    w = torch.zeros(x.shape[1], dtype=x.dtype)
    b = torch.zeros((), dtype=x.dtype)
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            w = w + lr * (yi - predict(w, b, xi)) * xi
    return torch.cat([w, b.reshape(1)])


def learns(x, y, epochs=50):
    w = torch.zeros(x.shape[1], dtype=x.dtype)
    b = torch.zeros((), dtype=x.dtype)
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(x, y, strict=True):
            error = yi - predict(w, b, xi)
            mistakes += int(error != 0)
            w = w + error * xi
        if mistakes == 0:
            return True
    return False
