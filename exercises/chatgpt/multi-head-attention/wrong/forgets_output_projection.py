# expected_score: 0
# mistake: concatenates the heads but never applies the output projection w_o.
import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    batch, steps, channels = x.shape
    size = channels // num_heads

    def heads(t):
        return t.view(batch, steps, num_heads, size).transpose(1, 2)

    q, k, v = heads(x @ w_q), heads(x @ w_k), heads(x @ w_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(size)
    if causal:
        scores = scores.masked_fill(torch.ones(steps, steps, dtype=torch.bool).triu(1), float("-inf"))
    mixed = torch.softmax(scores, dim=-1) @ v
    return mixed.transpose(1, 2).reshape(batch, steps, channels)
