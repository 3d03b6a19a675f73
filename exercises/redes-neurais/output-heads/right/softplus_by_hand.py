# A student who picks softplus for sales (smooth, never exactly 0) and writes every formula
# by hand in its stable form: max-shifted softmax, log-sum-exp, and the BCE on logits.
import torch


def sales_output(z):
    return torch.log1p(torch.exp(-z.abs())) + z.clamp(min=0)  # softplus without overflow


def sales_loss(z, y):
    return ((sales_output(z) - y) ** 2).mean()


def class_output(z):
    e = torch.exp(z - z.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)


def class_loss(z, y):
    top = z.max(dim=1, keepdim=True).values
    log_sum = top.squeeze(1) + torch.log(torch.exp(z - top).sum(dim=1))
    picked = z[torch.arange(z.shape[0]), y]
    return (log_sum - picked).mean()


def tags_output(z):
    return 1 / (1 + torch.exp(-z))


def tags_loss(z, y):
    # log(1 + e^z) - y·z, written so that e^z never overflows
    return (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()
