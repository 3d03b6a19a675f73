# A student who wraps the model in a class with forward, loss and step methods, and
# diagnoses with torch.isfinite on the tensor it gets.
import torch


class LinearRegression:
    def __init__(self, d, dtype):
        self.w = torch.zeros(d, dtype=dtype)

    def forward(self, x):
        return x @ self.w

    def loss(self, x, y):
        return ((self.forward(x) - y) ** 2).mean()

    def step(self, x, y, lr):
        gradient = 2 * x.T @ (self.forward(x) - y) / len(y)
        self.w = self.w - lr * gradient


def gradient_descent(x, y, lr, steps):
    model = LinearRegression(x.shape[1], x.dtype)
    losses = []
    for _ in range(steps):
        losses.append(model.loss(x, y))
        model.step(x, y, lr)
    return torch.stack(losses)


def diagnose(losses):
    if not torch.isfinite(losses[-1]) or losses[-1] > losses[0]:
        return "diverges"
    elif losses[-1] <= 0.01 * losses[0]:
        return "converges"
    else:
        return "too slow"
