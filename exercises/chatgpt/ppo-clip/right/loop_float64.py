# A loop over the actions, in float64, one scalar tensor at a time (autograd follows each of them).
import torch


def ppo_clip_loss(logp_new, logp_old, advantages, clip=0.2):
    terms = []
    for new, old, advantage in zip(logp_new.double(), logp_old.double(), advantages.double(), strict=True):
        ratio = torch.exp(new - old)
        clipped_ratio = torch.clamp(ratio, min=1 - clip, max=1 + clip)
        terms.append(torch.min(ratio * advantage, clipped_ratio * advantage))
    return -sum(terms) / len(terms)
