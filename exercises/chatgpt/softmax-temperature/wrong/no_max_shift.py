# expected_score: 7
# mistake: exponentiates the logits directly; large logits overflow to inf and the result is NaN.
import torch


def softmax(z, temperature=1.0, dim=-1):
    e = torch.exp(z / temperature)
    return e / e.sum(dim=dim, keepdim=True)
