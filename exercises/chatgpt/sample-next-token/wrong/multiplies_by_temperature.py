# expected_score: 4
# mistake: multiplies the logits by the temperature instead of dividing, so its effect is reversed.
import torch


def sample(logits, temperature=1.0, top_k=None, num_samples=1, seed=0):
    generator = torch.Generator().manual_seed(seed)
    scaled = logits * temperature
    if top_k is not None:
        threshold = torch.topk(scaled, top_k).values[-1]
        scaled = scaled.masked_fill(scaled < threshold, float("-inf"))
    probs = torch.softmax(scaled, dim=-1)
    return torch.multinomial(probs, num_samples, replacement=True, generator=generator)
