# expected_score: 7
# mistake: sums the binary cross-entropy over the labels and averages over the examples only,
# so the loss is k times the mean over all n·k elements.
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
    return torch.sigmoid(z)


def tags_loss(z, y):
    return F.binary_cross_entropy_with_logits(z, y, reduction="sum") / z.shape[0]
