import torch


def pairwise_loss(chosen, rejected):
    """Perda média -log σ(r_escolhida − r_rejeitada) sobre os pares."""
    return torch.zeros(())


def ranking_loss(rewards, ranking):
    """rewards[i]: recompensa da resposta i; ranking: índices da melhor para a pior."""
    return torch.zeros(())
