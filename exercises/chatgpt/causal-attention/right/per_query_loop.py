# One query at a time: with the causal mask, query i simply looks at the keys 0..i and no others, so nothing
# needs -inf. The extra dimensions are flattened into one and restored at the end.
import math

import torch


def attention(q, k, v, causal=False):
    *extra, n, d = q.shape
    m, d_v = k.shape[-2], v.shape[-1]
    qs, ks, vs = q.reshape(-1, n, d), k.reshape(-1, m, d), v.reshape(-1, m, d_v)
    batches = []
    for b in range(qs.shape[0]):
        rows = []
        for i in range(n):
            visible = i + 1 if causal else m
            scores = ks[b, :visible] @ qs[b, i] / math.sqrt(d)  # (visible,)
            weights = torch.softmax(scores, dim=0)
            rows.append(weights @ vs[b, :visible])  # (d_v,)
        batches.append(torch.stack(rows))
    return torch.stack(batches).reshape(*extra, n, d_v)
