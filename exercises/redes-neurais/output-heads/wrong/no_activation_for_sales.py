# expected_score: 7
# mistake: treats sales as plain regression and leaves the output linear, so it can predict negative sales.
import torch
import torch.nn.functional as F


def sales_output(z):
    return z


def sales_loss(z, y):
    return F.mse_loss(z, y)


def class_output(z):
    return torch.softmax(z, dim=-1)


def class_loss(z, y):
    return F.cross_entropy(z, y)


def tags_output(z):
    return torch.sigmoid(z)


def tags_loss(z, y):
    return F.binary_cross_entropy_with_logits(z, y)
