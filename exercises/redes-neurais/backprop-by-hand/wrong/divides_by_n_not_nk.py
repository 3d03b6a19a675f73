# expected_score: 2
# mistake: averages over the n examples only; the mean squared error averages over all n·k elements.
def gradients(x, y, w1, b1, w2, b2):
    n = x.shape[0]
    z1 = x @ w1 + b1
    h = z1.clamp(min=0)
    out = h @ w2 + b2
    d_out = 2 * (out - y) / n  # divides by the examples only, not by examples x outputs
    dw2 = h.T @ d_out
    db2 = d_out.sum(dim=0)
    d_h = d_out @ w2.T
    d_z1 = d_h * (z1 > 0).to(x.dtype)  # the chain rule through the ReLU
    dw1 = x.T @ d_z1
    db1 = d_z1.sum(dim=0)
    return [dw1, db1, dw2, db2]
