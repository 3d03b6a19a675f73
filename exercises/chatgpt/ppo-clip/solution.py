import torch


def ppo_clip_loss(logp_new, logp_old, advantages, clip=0.2):
    ratio = torch.exp(logp_new - logp_old)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1 - clip, 1 + clip) * advantages
    # PPO maximizes the pessimistic (smaller) objective; as a loss, minimize its negative.
    return -torch.min(unclipped, clipped).mean()
