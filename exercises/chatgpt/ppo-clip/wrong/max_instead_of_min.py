# expected_score: 2
# mistake: takes the optimistic max of the two terms instead of the pessimistic min.
import torch


def ppo_clip_loss(logp_new, logp_old, advantages, clip=0.2):
    ratio = torch.exp(logp_new - logp_old)
    return -torch.max(ratio * advantages, torch.clamp(ratio, 1 - clip, 1 + clip) * advantages).mean()
