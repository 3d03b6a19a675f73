# The stable formula by hand, in float64: log(1 + e^(-d)) = max(-d, 0) + log1p(e^(-|d|)); the pairs come
# from triu_indices over the positions of the ranking.
import torch


def pairwise_loss(chosen, rejected):
    d = chosen.double() - rejected.double()
    return (torch.clamp(-d, min=0) + torch.log1p(torch.exp(-d.abs()))).mean()


def ranking_loss(rewards, ranking):
    ordered = rewards[torch.tensor(ranking)]  # best first
    first, second = torch.triu_indices(len(ranking), len(ranking), offset=1)
    return pairwise_loss(ordered[first], ordered[second])
