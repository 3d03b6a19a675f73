# expected_score: 3
# mistake: the mask also hides the position itself (triu(0)), so the first row is all -inf and becomes NaN.
import math

import torch


def attention(q, k, v, causal=False):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        n, m = scores.shape[-2], scores.shape[-1]
        scores = scores.masked_fill(torch.ones(n, m, dtype=torch.bool).triu(0), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
