# In-place operations on a copy, and the maximum taken with max(...).values instead of amax.


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature <= 0")
    out = z.clone()
    out /= temperature
    out -= out.max(dim=dim, keepdim=True).values
    out.exp_()
    out /= out.sum(dim=dim, keepdim=True)
    return out
