# A student who writes it with the standard library: a loop for the softmax, a sorted list for top-k, and
# random.Random(seed) as the generator of their own (reproducible, and apart from any global state).
import math
import random

import torch


def sample(logits, temperature=1.0, top_k=None, num_samples=1, seed=0):
    values = [x / temperature for x in logits.tolist()]
    allowed = list(range(len(values)))
    if top_k is not None:
        allowed = sorted(allowed, key=lambda i: values[i], reverse=True)[:top_k]
    largest = max(values[i] for i in allowed)
    weights = [0.0] * len(values)
    for i in allowed:
        weights[i] = math.exp(values[i] - largest)
    total = sum(weights)
    probabilities = [w / total for w in weights]
    rng = random.Random(seed)
    draws = rng.choices(range(len(values)), weights=probabilities, k=num_samples)
    return torch.tensor(draws, dtype=torch.long)
