# -F.logsigmoid, and the whole ranking at once: a matrix of every margin r_i - r_j between ranked answers,
# of which the strict upper triangle holds each (better, worse) pair exactly once.
import torch
import torch.nn.functional as F


def pairwise_loss(chosen, rejected):
    return -F.logsigmoid(chosen - rejected).mean()


def ranking_loss(rewards, ranking):
    ordered = rewards[ranking]
    margins = ordered[:, None] - ordered[None, :]
    k = len(ranking)
    upper = torch.ones(k, k, dtype=torch.bool).triu(diagonal=1)
    return -F.logsigmoid(margins[upper]).mean()
