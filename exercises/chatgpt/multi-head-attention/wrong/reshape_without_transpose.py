# expected_score: 2
# mistake: reshapes (B, T, C) straight to (B, H, T, C/H), which scrambles positions and channels across heads.
import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    batch, steps, channels = x.shape
    size = channels // num_heads
    q = (x @ w_q).reshape(batch, num_heads, steps, size)
    k = (x @ w_k).reshape(batch, num_heads, steps, size)
    v = (x @ w_v).reshape(batch, num_heads, steps, size)
    scores = q @ k.transpose(-2, -1) / math.sqrt(size)
    if causal:
        scores = scores.masked_fill(torch.ones(steps, steps, dtype=torch.bool).triu(1), float("-inf"))
    mixed = torch.softmax(scores, dim=-1) @ v
    return mixed.reshape(batch, steps, channels) @ w_o
