# A student who writes it as an nn.Module: bias-free nn.Linear layers holding the given matrices (nn.Linear
# computes x @ weight.T, so each weight is the transpose), a loop over the heads, torch.cat to join them.
import math

import torch
from torch import nn


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, w_q, w_k, w_v, w_o, num_heads, causal):
        super().__init__()
        channels = w_q.shape[0]
        self.num_heads, self.head_size, self.causal = num_heads, channels // num_heads, causal
        self.query, self.key, self.value, self.out = (nn.Linear(channels, channels, bias=False) for _ in range(4))
        with torch.no_grad():
            for layer, w in ((self.query, w_q), (self.key, w_k), (self.value, w_v), (self.out, w_o)):
                layer.weight.copy_(w.T)

    def forward(self, x):
        steps = x.shape[1]
        q, k, v = self.query(x), self.key(x), self.value(x)
        heads = []
        for h in range(self.num_heads):
            part = slice(h * self.head_size, (h + 1) * self.head_size)
            scores = q[..., part] @ k[..., part].transpose(1, 2) / math.sqrt(self.head_size)
            if self.causal:
                allowed = torch.tril(torch.ones(steps, steps, dtype=torch.bool))
                scores = scores.masked_fill(~allowed, float("-inf"))
            heads.append(torch.softmax(scores, dim=-1) @ v[..., part])
        return self.out(torch.cat(heads, dim=-1))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    return MultiHeadSelfAttention(w_q, w_k, w_v, w_o, num_heads, causal)(x)
