# A student who writes a Perceptron class in float64, predicts with a bool tensor, and in
# learns() checks with predict at the end of each epoch whether every example is right.
import torch


class Perceptron:
    def __init__(self, d):
        self.w = torch.zeros(d, dtype=torch.float64)
        self.b = 0.0

    def forward(self, x):
        return x.double() @ self.w + self.b >= 0

    def update(self, xi, yi, lr):
        error = float(yi) - float(self.forward(xi))
        self.w += lr * error * xi.double()
        self.b += lr * error

    def epoch(self, x, y, lr):
        for xi, yi in zip(x, y, strict=True):
            self.update(xi, yi, lr)


def predict(w, b, x):
    return x @ w + b >= 0


def train_perceptron(x, y, lr=1.0, epochs=10):
    model = Perceptron(x.shape[1])
    for _ in range(epochs):
        model.epoch(x, y, lr)
    return torch.cat([model.w, torch.tensor([model.b], dtype=torch.float64)])


def learns(x, y, epochs=50):
    model = Perceptron(x.shape[1])
    for _ in range(epochs):
        model.epoch(x, y, 1.0)
        if bool((model.forward(x) == y.bool()).all()):
            return True
    return False
