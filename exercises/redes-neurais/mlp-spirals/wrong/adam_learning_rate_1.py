# expected_score: 2
# mistake: Adam with lr = 1, a hundred times the usual 0.01; every step moves each weight by about 1,
# the sigmoids saturate at 0 or 1 and stop passing gradient, and the network stays near a coin flip
# (with lr = 0.01 the same network and steps reach 98% or more).
import os

import torch
from torch import nn


def fit_predict(x_train, y_train, x_test):
    device = os.environ.get("GRADER_DEVICE", "cpu")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(), nn.Linear(64, 2)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
    loss_fn = nn.CrossEntropyLoss()
    x, y = x_train.to(device), y_train.to(device)
    for _ in range(1500):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        return model(x_test.to(device)).argmax(dim=1).cpu()
