# expected_score: 2
# mistake: gives head h the channels h, h + H, h + 2H... (view(B, T, d, H)) instead of the contiguous slice
# h*d:(h+1)*d the prompt asks for; with one head it makes no difference, with several it is another model.
import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    batch, steps, channels = x.shape
    size = channels // num_heads

    def heads(t):  # (B, T, C) -> (B, H, T, d), channel c going to head c % H
        return t.view(batch, steps, size, num_heads).permute(0, 3, 1, 2)

    q, k, v = heads(x @ w_q), heads(x @ w_k), heads(x @ w_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(size)
    if causal:
        scores = scores.masked_fill(torch.ones(steps, steps, dtype=torch.bool).triu(1), float("-inf"))
    mixed = torch.softmax(scores, dim=-1) @ v
    return mixed.permute(0, 2, 3, 1).reshape(batch, steps, channels) @ w_o
