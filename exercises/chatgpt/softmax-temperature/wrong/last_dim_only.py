# expected_score: 8
# mistake: always normalizes along the last dimension, whatever `dim` says.


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    scaled = z / temperature
    shifted = scaled - scaled.max(dim=-1, keepdim=True).values
    e = shifted.exp()
    return e / e.sum(dim=-1, keepdim=True)
