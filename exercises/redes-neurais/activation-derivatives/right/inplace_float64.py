# A student who converts to float64 first and edits copies in place (masked assignment,
# mul_, add_), with ReLU as max(x, 0) and the derivative as a 0/1 integer tensor.
import torch


def sigmoid(x):
    out = x.double().neg()
    out.exp_().add_(1).reciprocal_()
    return out


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def relu(x):
    return torch.maximum(x, torch.zeros_like(x))


def relu_grad(x):
    return (x > 0).long()


def tanh(x):
    out = sigmoid(2 * x)
    out.mul_(2).sub_(1)
    return out


def tanh_grad(x):
    t = tanh(x)
    t.mul_(t)
    t[:] = 1 - t
    return t
