# A student who thinks in loops: each slice along `dim` is a plain list of numbers, shifted by its
# maximum and normalized with math.exp, then put back in place.
import math

import torch


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("a temperatura deve ser positiva")
    moved = z.movedim(dim, -1)  # the slices along `dim` become the rows
    rows = moved.reshape(-1, moved.shape[-1]).tolist()
    result = []
    for row in rows:
        scaled = [value / temperature for value in row]
        top = max(scaled)
        exps = [math.exp(value - top) for value in scaled]
        total = sum(exps)
        result.append([e / total for e in exps])
    out = torch.tensor(result, dtype=torch.float64).reshape(moved.shape)
    return out.movedim(-1, dim)
