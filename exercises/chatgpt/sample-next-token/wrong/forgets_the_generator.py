# expected_score: 8
# mistake: creates the generator but never passes it to torch.multinomial, which then draws from PyTorch's
# global generator: the distribution is right, but the same seed does not repeat the draws.
import torch


def sample(logits, temperature=1.0, top_k=None, num_samples=1, seed=0):
    generator = torch.Generator().manual_seed(seed)  # noqa: F841 - the mistake: created, never used
    scaled = logits / temperature
    if top_k is not None:
        threshold = torch.topk(scaled, top_k).values[-1]
        scaled = scaled.masked_fill(scaled < threshold, float("-inf"))
    probs = torch.softmax(scaled, dim=-1)
    return torch.multinomial(probs, num_samples, replacement=True)
