# expected_score: 3
# mistake: no causal mask; in training every position sees the next character and copies it, so the
# training loss falls near zero, but the last position of a context has no future to copy: it predicts
# badly, and generation soon gets stuck repeating one or two letters.
import math
import os

import torch
from torch import nn
from torch.nn import functional as F

try:
    from grader_progress import report
except ImportError:  # outside the grader

    def report(step, total, **metrics):
        pass


BLOCK = 32  # characters of context the model sees
WIDTH = 64  # size of each embedding vector
HEADS = 4
LAYERS = 2
STEPS = 200
BATCH = 32
LEARNING_RATE = 5e-3


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)

    def forward(self, x):
        batch, steps, width = x.shape
        size = width // HEADS
        q, k, v = self.qkv(x).split(width, dim=2)
        # (B, T, C) -> (B, H, T, C/H): each head works on its own slice of the channels.
        q, k, v = (t.view(batch, steps, HEADS, size).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(size)
        mixed = F.softmax(scores, dim=-1) @ v
        return self.out(mixed.transpose(1, 2).reshape(batch, steps, width))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(WIDTH)
        self.attention = SelfAttention()
        self.norm2 = nn.LayerNorm(WIDTH)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class CharGPT(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, WIDTH)
        self.positions = nn.Embedding(BLOCK, WIDTH)
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, vocab_size)

    def forward(self, ids):  # (B, T) -> logits (B, T, V)
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.tokens(ids) + self.positions(positions)
        return self.head(self.norm(self.blocks(x)))


def train_and_sample(train_text, vocab, contexts, prompt, length, temperature, num_samples):
    device = os.environ.get("GRADER_DEVICE", "cpu")
    torch.manual_seed(0)
    index = {char: i for i, char in enumerate(vocab)}
    data = torch.tensor([index[c] for c in train_text], device=device)
    model = CharGPT(len(vocab)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LEARNING_RATE, total_steps=STEPS, pct_start=0.1)
    offsets = torch.arange(BLOCK, device=device)
    for step in range(STEPS):
        starts = torch.randint(len(data) - BLOCK, (BATCH,), device=device)
        x = data[starts[:, None] + offsets]
        y = data[starts[:, None] + offsets + 1]  # the targets: the same text shifted by one character
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 25 == 24:
            report(step + 1, STEPS, loss=loss.item())

    model.eval()
    with torch.no_grad():
        windows = torch.tensor([[index[c] for c in context[-BLOCK:]] for context in contexts], device=device)
        # The last position's output predicts the character after each window.
        logprobs = F.log_softmax(model(windows)[:, -1], dim=-1).cpu()

        # All samples at once, one row each: every step draws the next character of every row.
        ids = torch.tensor([[index[c] for c in prompt]] * num_samples, device=device)
        for _ in range(length):
            logits = model(ids[:, -BLOCK:])[:, -1]
            probs = F.softmax(logits / temperature, dim=-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1)], dim=1)
    return logprobs, ["".join(vocab[i] for i in row) for row in ids.tolist()]
