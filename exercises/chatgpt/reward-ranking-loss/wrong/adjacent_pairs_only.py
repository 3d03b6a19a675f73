# expected_score: 7
# mistake: builds only the neighbouring pairs of the ranking (1st>2nd, 2nd>3rd...), not every pair.
import torch
import torch.nn.functional as F


def pairwise_loss(chosen, rejected):
    return F.softplus(rejected - chosen).mean()


def ranking_loss(rewards, ranking):
    better = torch.stack([rewards[i] for i in ranking[:-1]])
    worse = torch.stack([rewards[j] for j in ranking[1:]])
    return pairwise_loss(better, worse)
