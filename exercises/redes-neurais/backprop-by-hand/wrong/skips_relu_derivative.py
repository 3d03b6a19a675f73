# expected_score: 6
# mistake: passes the gradient straight through the ReLU, as if its derivative were always 1.
def gradients(x, y, w1, b1, w2, b2):
    n = x.shape[0]
    z1 = x @ w1 + b1
    h = z1.clamp(min=0)
    out = h @ w2 + b2
    d_out = 2 * (out - y) / (n * out.shape[1])
    dw2 = h.T @ d_out
    db2 = d_out.sum(dim=0)
    d_z1 = d_out @ w2.T
    return [x.T @ d_z1, d_z1.sum(dim=0), dw2, db2]
