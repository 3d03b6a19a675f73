import itertools

import torch
import torch.nn.functional as F


def pairwise_loss(chosen, rejected):
    # -log σ(r_chosen - r_rejected), written with softplus so large margins stay finite.
    return F.softplus(rejected - chosen).mean()


def ranking_loss(rewards, ranking):
    pairs = list(itertools.combinations(ranking, 2))  # (better, worse) for every pair
    better = torch.stack([rewards[i] for i, _ in pairs])
    worse = torch.stack([rewards[j] for _, j in pairs])
    return pairwise_loss(better, worse)
