# expected_score: 0
# mistake: normalizes over the queries (dim=-2) instead of over the keys.
import math

import torch


def attention(q, k, v, causal=False):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        n, m = scores.shape[-2], scores.shape[-1]
        scores = scores.masked_fill(torch.ones(n, m, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, dim=-2) @ v
