# expected_score: 7
# mistake: uses softmax for independent labels, so the labels compete as if only one could be true.
import torch
import torch.nn.functional as F


def sales_output(z):
    return F.relu(z)


def sales_loss(z, y):
    return F.mse_loss(F.relu(z), y)


def class_output(z):
    return torch.softmax(z, dim=-1)


def class_loss(z, y):
    return F.cross_entropy(z, y)


def tags_output(z):
    return torch.softmax(z, dim=-1)


def tags_loss(z, y):
    return F.binary_cross_entropy(torch.softmax(z, dim=-1), y)
