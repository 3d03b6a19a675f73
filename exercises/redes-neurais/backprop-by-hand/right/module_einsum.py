# A student who writes an nn.Module for the forward pass, keeps what backprop needs,
# and derives the gradients with einsum in a method of its own.
import torch
from torch import nn


class TwoLayer(nn.Module):
    def __init__(self, w1, b1, w2, b2):
        super().__init__()
        self.w1, self.b1, self.w2, self.b2 = w1, b1, w2, b2

    def forward(self, x):
        self.x = x
        self.z1 = torch.einsum("nd,dh->nh", x, self.w1) + self.b1
        self.h = torch.relu(self.z1)
        return torch.einsum("nh,hk->nk", self.h, self.w2) + self.b2

    def manual_gradients(self, y):
        out = self.forward(self.x)
        d_out = 2 * (out - y) / out.numel()
        d_z1 = torch.where(self.z1 > 0, torch.einsum("nk,hk->nh", d_out, self.w2), 0.0)
        return [
            torch.einsum("nd,nh->dh", self.x, d_z1),
            d_z1.sum(0),
            torch.einsum("nh,nk->hk", self.h, d_out),
            d_out.sum(0),
        ]


def gradients(x, y, w1, b1, w2, b2):
    model = TwoLayer(w1, b1, w2, b2)
    model(x)
    return model.manual_gradients(y)
