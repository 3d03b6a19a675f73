# A student who reaches for the layer and loss modules of torch.nn, and uses ReLU in place.
import torch
from torch import nn


def sales_output(z):
    return nn.ReLU(inplace=True)(z.clone())


def sales_loss(z, y):
    return nn.MSELoss()(sales_output(z), y)


def class_output(z):
    return nn.Softmax(dim=1)(z)


def class_loss(z, y):
    return nn.CrossEntropyLoss()(z, y)


def tags_output(z):
    return nn.Sigmoid()(z)


def tags_loss(z, y):
    return nn.BCEWithLogitsLoss()(z, y.to(torch.float32))
