# A student who predicts sales through exp (the log of sales is linear in the features),
# works in float64, and gets both cross-entropies from log_softmax / logsigmoid.
import torch
import torch.nn.functional as F


def sales_output(z):
    return torch.exp(z.double())


def sales_loss(z, y):
    return F.mse_loss(sales_output(z), y.double())


def class_output(z):
    return torch.exp(torch.log_softmax(z.double(), dim=1))


def class_loss(z, y):
    log_p = torch.log_softmax(z.double(), dim=1)
    return -log_p.gather(1, y.unsqueeze(1)).mean()


def tags_output(z):
    return torch.sigmoid(z.double())


def tags_loss(z, y):
    z, y = z.double(), y.double()
    return -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).mean()
