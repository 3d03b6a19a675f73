# A single hidden layer of 100 ReLUs (the shape of a well-known spiral demo), Adam, and the
# classes returned as int32 with a comparison instead of argmax.
import os

import torch
from torch import nn


def fit_predict(x_train, y_train, x_test):
    device = os.environ.get("GRADER_DEVICE", "cpu")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 2)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x, y = x_train.to(device), y_train.to(device)
    for _ in range(1500):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        logits = model(x_test.to(device))
    return (logits[:, 1] > logits[:, 0]).to(torch.int32).cpu()
