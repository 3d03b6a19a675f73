import torch


def softmax(z: torch.Tensor, temperature: float = 1.0, dim: int = -1) -> torch.Tensor:
    """Probabilidades ao longo de `dim` para os logits `z` divididos pela temperatura."""
    # Substitua esta linha pela sua implementação.
    return torch.zeros_like(z)
