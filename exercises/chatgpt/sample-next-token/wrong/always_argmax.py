# expected_score: 1
# mistake: always returns the most likely token: no sampling at all, so every answer would be the same.
import torch


def sample(logits, temperature=1.0, top_k=None, num_samples=1, seed=0):
    return torch.full((num_samples,), int(torch.argmax(logits)), dtype=torch.int64)
