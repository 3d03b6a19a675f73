import torch

# z: saídas da última camada linear (logits), formato (n, k). Escolha ativação e perda de cada tarefa.


def sales_output(z):
    return z


def sales_loss(z, y):
    return torch.zeros(())


def class_output(z):
    return z


def class_loss(z, y):
    return torch.zeros(())


def tags_output(z):
    return z


def tags_loss(z, y):
    return torch.zeros(())
