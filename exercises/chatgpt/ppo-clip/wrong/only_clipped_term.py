# expected_score: 2
# mistake: uses only the clipped term, dropping the min; negative advantages get clipped too.
import torch


def ppo_clip_loss(logp_new, logp_old, advantages, clip=0.2):
    ratio = torch.exp(logp_new - logp_old)
    return -(torch.clamp(ratio, 1 - clip, 1 + clip) * advantages).mean()
