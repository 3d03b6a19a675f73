# The min written out case by case: with A >= 0 the ratio is capped at 1 + eps, with A < 0 it is floored
# at 1 - eps, which is what min(r A, clip(r) A) works out to.
import torch


def ppo_clip_loss(logp_new, logp_old, advantages, clip=0.2):
    ratio = torch.exp(logp_new - logp_old)
    capped = torch.minimum(ratio, torch.full_like(ratio, 1 + clip))
    floored = torch.maximum(ratio, torch.full_like(ratio, 1 - clip))
    objective = torch.where(advantages >= 0, capped * advantages, floored * advantages)
    return -objective.mean()
