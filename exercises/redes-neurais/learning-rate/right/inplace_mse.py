# A student who preallocates the losses, uses F.mse_loss for the loss and updates w in place;
# `not last <= first` is also true for nan, which catches every run that blew up in one test.
import torch
import torch.nn.functional as F


def gradient_descent(x, y, lr, steps):
    n = x.shape[0]
    w = torch.zeros(x.shape[1])
    losses = torch.empty(steps)
    for step in range(steps):
        prediction = x @ w
        losses[step] = F.mse_loss(prediction, y)
        w -= lr * (2 / n) * (x.T @ (prediction - y))
    return losses


def diagnose(losses):
    first, last = losses[0], losses[-1]
    if not last <= first:
        return "diverges"
    if last <= first / 100:
        return "converges"
    return "too slow"
