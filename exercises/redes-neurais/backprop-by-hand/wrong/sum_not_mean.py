# expected_score: 2
# mistake: differentiates the sum of squared errors, forgetting to divide by the number of elements.
def gradients(x, y, w1, b1, w2, b2):
    z1 = x @ w1 + b1
    h = z1.clamp(min=0)
    out = h @ w2 + b2
    d_out = 2 * (out - y)
    dw2 = h.T @ d_out
    db2 = d_out.sum(dim=0)
    d_z1 = (d_out @ w2.T) * (z1 > 0).to(x.dtype)
    return [x.T @ d_z1, d_z1.sum(dim=0), dw2, db2]
