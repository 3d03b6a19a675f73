import torch


def sample(logits, temperature=1.0, top_k=None, num_samples=1, seed=0):
    """Sorteia num_samples índices de token (com reposição) da distribuição definida pelos logits."""
    generator = torch.Generator().manual_seed(seed)
    probs = torch.ones_like(logits) / logits.numel()  # ainda uniforme: use os logits, a temperatura e o top-k
    return torch.multinomial(probs, num_samples, replacement=True, generator=generator)
