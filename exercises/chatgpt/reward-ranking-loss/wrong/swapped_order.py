# expected_score: 0
# mistake: subtracts the other way round, rewarding the rejected answers.
import itertools

import torch
import torch.nn.functional as F


def pairwise_loss(chosen, rejected):
    return F.softplus(chosen - rejected).mean()


def ranking_loss(rewards, ranking):
    pairs = list(itertools.combinations(ranking, 2))
    better = torch.stack([rewards[i] for i, _ in pairs])
    worse = torch.stack([rewards[j] for _, j in pairs])
    return pairwise_loss(better, worse)
