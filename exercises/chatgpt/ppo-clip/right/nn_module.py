# As an nn.Module, with the ratio taken as a quotient of probabilities and the two terms stacked.
import torch
from torch import nn


class PPOClipLoss(nn.Module):
    def __init__(self, clip=0.2):
        super().__init__()
        self.clip = clip

    def forward(self, logp_new, logp_old, advantages):
        ratio = logp_new.exp() / logp_old.exp()
        low, high = 1.0 - self.clip, 1.0 + self.clip
        surrogate = torch.stack([ratio * advantages, ratio.clamp(low, high) * advantages])
        return surrogate.min(dim=0).values.mean().neg()


def ppo_clip_loss(logp_new, logp_old, advantages, clip=0.2):
    return PPOClipLoss(clip)(logp_new, logp_old, advantages)
