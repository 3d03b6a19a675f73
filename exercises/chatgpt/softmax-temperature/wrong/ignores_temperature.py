# expected_score: 8
# mistake: checks the temperature but forgets to divide the logits by it.


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    shifted = z - z.amax(dim=dim, keepdim=True)
    e = shifted.exp()
    return e / e.sum(dim=dim, keepdim=True)
