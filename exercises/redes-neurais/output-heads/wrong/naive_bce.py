# expected_score: 7
# mistake: applies the sigmoid then takes log by hand; a confident logit gives log(0) and the loss is infinite.
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
    p = torch.sigmoid(z)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
