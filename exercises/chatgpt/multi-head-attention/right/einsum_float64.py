# einsum over named axes, in float64, with the future masked by a large negative number instead of -inf,
# and the softmax written out (shifted by the row maximum).
import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    B, T, C = x.shape
    d = C // num_heads
    x64 = x.double()
    q = torch.einsum("btc,cd->btd", x64, w_q.double()).reshape(B, T, num_heads, d)
    k = torch.einsum("btc,cd->btd", x64, w_k.double()).reshape(B, T, num_heads, d)
    v = torch.einsum("btc,cd->btd", x64, w_v.double()).reshape(B, T, num_heads, d)
    scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / d**0.5
    if causal:
        future = torch.arange(T)[None, :] > torch.arange(T)[:, None]
        scores = scores + future * -1e30
    weights = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    weights = weights / weights.sum(dim=-1, keepdim=True)
    mixed = torch.einsum("bhqk,bkhd->bqhd", weights, v).reshape(B, T, C)
    return mixed @ w_o.double()
