import os

import torch
from torch import nn


def fit_predict(x_train, y_train, x_test):
    device = os.environ.get("GRADER_DEVICE", "cpu")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x, y = x_train.to(device), y_train.to(device)
    for _ in range(1500):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return model(x_test.to(device)).argmax(dim=1).cpu()
