# In float64, with the softmax written out: exponentials of the shifted scores, multiplied by a
# lower-triangular matrix of ones (the future gets weight 0), then normalized.
import torch


def attention(q, k, v, causal=False):
    q, k, v = q.double(), k.double(), v.double()
    scores = torch.matmul(q, k.transpose(-1, -2)) * q.shape[-1] ** -0.5
    weights = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    if causal:
        n, m = scores.shape[-2:]
        weights = weights * torch.tril(torch.ones(n, m, dtype=torch.float64))
    weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights @ v
