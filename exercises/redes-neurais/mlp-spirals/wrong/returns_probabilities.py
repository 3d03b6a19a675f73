# expected_score: 0
# mistake: returns the softmax probabilities instead of the predicted classes.
import os

import torch
from torch import nn


def fit_predict(x_train, y_train, x_test):
    device = os.environ.get("GRADER_DEVICE", "cpu")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 2)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x, y = x_train.to(device), y_train.to(device)
    for _ in range(200):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        return torch.softmax(model(x_test.to(device)), dim=1)[:, 1].cpu()
