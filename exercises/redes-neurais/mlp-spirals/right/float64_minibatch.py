# float64 throughout, two tanh layers of 64, shuffled mini-batches of 50 points for 60 epochs.
import os

import torch
from torch import nn


def fit_predict(x_train, y_train, x_test):
    device = os.environ.get("GRADER_DEVICE", "cpu")
    torch.manual_seed(0)
    x = x_train.to(device, torch.float64)
    y = y_train.to(device)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
    model = model.to(device, torch.float64)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    for _epoch in range(60):
        order = torch.randperm(len(x), device=device)
        for batch in order.split(50):
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
    with torch.no_grad():
        return model(x_test.to(device, torch.float64)).argmax(dim=1).cpu()
