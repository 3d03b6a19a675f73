import torch


def ppo_clip_loss(logp_new, logp_old, advantages, clip=0.2):
    """Perda do PPO (objetivo recortado, com o sinal trocado) média sobre as ações."""
    ratio = torch.exp(logp_new - logp_old)
    return -(ratio * advantages).mean()  # ainda sem o recorte
