# The Gumbel-max trick instead of torch.multinomial: adding Gumbel noise to the scaled logits and taking the
# argmax draws exactly from their softmax. The noise comes from the seeded generator, in float64.
import torch


def sample(logits, temperature=1.0, top_k=None, num_samples=1, seed=0):
    generator = torch.Generator().manual_seed(seed)
    scaled = logits.double() / temperature
    if top_k is not None:
        keep = torch.topk(scaled, top_k).indices
        masked = torch.full_like(scaled, float("-inf"))
        masked[keep] = scaled[keep]
        scaled = masked
    uniform = torch.rand(num_samples, scaled.numel(), generator=generator, dtype=torch.float64)
    gumbel = -torch.log(-torch.log(uniform))
    return torch.argmax(scaled + gumbel, dim=1)
