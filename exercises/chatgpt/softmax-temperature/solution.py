import torch


def softmax(z: torch.Tensor, temperature: float = 1.0, dim: int = -1) -> torch.Tensor:
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    scaled = z / temperature
    # Shifting by the maximum leaves the result unchanged and keeps exp() finite.
    shifted = scaled - scaled.amax(dim=dim, keepdim=True)
    weights = shifted.exp()
    return weights / weights.sum(dim=dim, keepdim=True)
