import torch


def attention(q, k, v, causal=False):
    """Atenção de produto escalar com escala; com causal=True, cada posição só vê a si mesma e as anteriores."""
    scores = q @ k.transpose(-2, -1)  # falta algo aqui...
    weights = torch.softmax(scores, dim=-1)
    return weights @ v
