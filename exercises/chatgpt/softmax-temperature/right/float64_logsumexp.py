# Another route: log-probabilities first, in float64, with logsumexp (stable by construction), then exp.
import torch


def softmax(z, temperature=1.0, dim=-1):
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 (got {temperature})")
    scaled = z.to(torch.float64) / temperature
    log_probs = scaled - torch.logsumexp(scaled, dim=dim, keepdim=True)
    return torch.exp(log_probs)
