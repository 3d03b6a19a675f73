# einsum for both products, and the mask filled in place with the most negative float32 instead of -inf.
import math

import torch


def attention(q, k, v, causal=False):
    scores = torch.einsum("...id,...jd->...ij", q, k)
    scores /= math.sqrt(q.size(-1))
    if causal:
        i = torch.arange(scores.size(-2)).unsqueeze(-1)
        j = torch.arange(scores.size(-1)).unsqueeze(0)
        scores.masked_fill_(j > i, torch.finfo(scores.dtype).min)
    return torch.einsum("...ij,...jd->...id", scores.softmax(dim=-1), v)
