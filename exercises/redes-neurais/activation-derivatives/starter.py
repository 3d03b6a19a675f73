import torch

# Implemente cada função e sua derivada, elemento a elemento, sem as versões prontas do PyTorch.


def sigmoid(x):
    return x


def sigmoid_grad(x):
    return torch.ones_like(x)


def relu(x):
    return x


def relu_grad(x):
    return torch.ones_like(x)


def tanh(x):
    return x


def tanh_grad(x):
    return torch.ones_like(x)
