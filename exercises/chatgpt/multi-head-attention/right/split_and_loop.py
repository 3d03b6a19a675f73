# Loops over the batch and the heads, one (T, d) matrix at a time, with torch.split for the channel slices
# and in-place masking of each head's scores.
import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    head_size = x.shape[-1] // num_heads
    outputs = []
    for sequence in x:  # (T, C)
        q_heads = torch.split(sequence @ w_q, head_size, dim=-1)
        k_heads = torch.split(sequence @ w_k, head_size, dim=-1)
        v_heads = torch.split(sequence @ w_v, head_size, dim=-1)
        mixed = []
        for q, k, v in zip(q_heads, k_heads, v_heads, strict=True):
            scores = q @ k.T / math.sqrt(head_size)
            if causal:
                steps = scores.shape[0]
                scores.masked_fill_(torch.ones(steps, steps).triu(1).bool(), -math.inf)
            mixed.append(torch.softmax(scores, dim=-1) @ v)
        outputs.append(torch.cat(mixed, dim=-1) @ w_o)
    return torch.stack(outputs)
