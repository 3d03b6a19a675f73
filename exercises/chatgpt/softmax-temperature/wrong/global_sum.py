# expected_score: 1
# mistake: divides by the sum over the whole tensor, so every input with more than one row comes out wrong.


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    scaled = z / temperature
    e = (scaled - scaled.max()).exp()
    return e / e.sum()
