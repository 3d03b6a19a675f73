# -log σ(d) = log(1 + e^(-d)) = logaddexp(0, -d), stable by construction; the ranking's pairs built with
# two nested loops over positions, the losses summed and divided by their count.
import torch


def pairwise_loss(chosen, rejected):
    margin = chosen - rejected
    return torch.logaddexp(torch.zeros_like(margin), -margin).mean()


def ranking_loss(rewards, ranking):
    total, count = 0.0, 0
    for a in range(len(ranking)):
        for b in range(a + 1, len(ranking)):
            better, worse = rewards[ranking[a]], rewards[ranking[b]]
            total = total + pairwise_loss(better.reshape(1), worse.reshape(1))
            count += 1
    return total / count
