# A student who builds layers as classes, each with forward and backward(self, dout),
# the way many courses teach it, and chains their backward calls.
class Linear:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def forward(self, x):
        self.x = x
        return x @ self.w + self.b

    def backward(self, dout):
        self.dw = self.x.T @ dout
        self.db = dout.sum(dim=0)
        return dout @ self.w.T


class ReLU:
    def forward(self, z):
        self.mask = z > 0
        return z * self.mask

    def backward(self, dout):
        return dout * self.mask


class MeanSquaredError:
    def forward(self, prediction, target):
        self.diff = prediction - target
        return (self.diff**2).mean()

    def backward(self):
        return 2 * self.diff / self.diff.numel()


def gradients(x, y, w1, b1, w2, b2):
    first, relu, second, loss = Linear(w1, b1), ReLU(), Linear(w2, b2), MeanSquaredError()
    loss.forward(second.forward(relu.forward(first.forward(x))), y)
    first.backward(relu.backward(second.backward(loss.backward())))
    return [first.dw, first.db, second.dw, second.db]
