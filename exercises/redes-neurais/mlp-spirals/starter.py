import os

import torch
from torch import nn


def fit_predict(x_train, y_train, x_test):
    """Treina uma rede em (x_train, y_train) e devolve a classe (0 ou 1) prevista para cada ponto de x_test."""
    device = os.environ.get("GRADER_DEVICE", "cpu")  # "cuda" quando houver GPU
    model = nn.Sequential(nn.Linear(2, 2)).to(device)  # uma reta não separa duas espirais: melhore
    # Escreva aqui o laço de treino: zerar gradientes, calcular a perda, backward, step.
    with torch.no_grad():
        return model(x_test.to(device)).argmax(dim=1).cpu()
