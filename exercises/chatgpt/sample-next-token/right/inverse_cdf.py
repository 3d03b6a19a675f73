# Inverse transform sampling: the cumulative distribution, one uniform number per draw from the seeded
# generator, and searchsorted to find the token whose interval holds it. Top-k by sorting.
import torch


def sample(logits, temperature=1.0, top_k=None, num_samples=1, seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    z = logits.to(torch.float64) / temperature
    if top_k is not None:
        kth_largest = torch.sort(z, descending=True).values[top_k - 1]
        z = torch.where(z >= kth_largest, z, torch.tensor(float("-inf"), dtype=z.dtype))
    weights = torch.exp(z - z.max())
    cdf = torch.cumsum(weights, dim=0)
    cdf = cdf / cdf[-1]  # ends at exactly 1, so every u in [0, 1) lands on a token
    u = torch.rand(num_samples, generator=g, dtype=torch.float64)
    return torch.searchsorted(cdf, u, right=True)
