# expected_score: 8
# mistake: trains "until it converges" with no limit on the epochs, so learns() never returns on XOR
# (the call runs out of time) instead of answering False.
import torch


def predict(w, b, x):
    return (x @ w + b >= 0).to(torch.int64)


def train_perceptron(x, y, lr=1.0, epochs=10):
    w = torch.zeros(x.shape[1], dtype=x.dtype)
    b = torch.zeros((), dtype=x.dtype)
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            error = yi - predict(w, b, xi)
            w = w + lr * error * xi
            b = b + lr * error
    return torch.cat([w, b.reshape(1)])


def learns(x, y, epochs=50):
    w = torch.zeros(x.shape[1], dtype=x.dtype)
    b = torch.zeros((), dtype=x.dtype)
    converged = False
    while not converged:
        converged = True
        for xi, yi in zip(x, y, strict=True):
            error = yi - predict(w, b, xi)
            if error != 0:
                converged = False
                w = w + error * xi
                b = b + error
    return True
