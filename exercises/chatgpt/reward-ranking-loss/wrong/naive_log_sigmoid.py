# expected_score: 8
# mistake: computes log(sigmoid(d)) literally; for a margin of -600 the sigmoid underflows to 0 and the loss is inf.
import itertools

import torch


def pairwise_loss(chosen, rejected):
    return -torch.log(torch.sigmoid(chosen - rejected)).mean()


def ranking_loss(rewards, ranking):
    pairs = list(itertools.combinations(ranking, 2))
    better = torch.stack([rewards[i] for i, _ in pairs])
    worse = torch.stack([rewards[j] for _, j in pairs])
    return pairwise_loss(better, worse)
