# expected_score: 0
# mistake: forgets to divide the scores by the square root of the dimension.
import torch


def attention(q, k, v, causal=False):
    scores = q @ k.transpose(-2, -1)
    if causal:
        n, m = scores.shape[-2], scores.shape[-1]
        future = torch.ones(n, m, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
