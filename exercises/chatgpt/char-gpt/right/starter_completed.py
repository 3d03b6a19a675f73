import math
import os

import torch
from torch import nn
from torch.nn import functional as F

try:
    from grader_progress import report  # mostra o progresso do treino na página da submissão
except ImportError:  # fora do corretor

    def report(step, total, **metrics):
        pass


BLOCK = 32  # quantos caracteres de contexto o modelo vê
WIDTH = 64  # tamanho de cada vetor de embedding
HEADS = 4
LAYERS = 2
STEPS = 400
BATCH = 32
LEARNING_RATE = 5e-3


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)  # consultas, chaves e valores de uma vez
        self.out = nn.Linear(WIDTH, WIDTH)

    def forward(self, x):  # (B, T, C) -> (B, T, C)
        batch, steps, width = x.shape
        size = width // HEADS
        q, k, v = self.qkv(x).split(width, dim=2)
        q, k, v = (t.view(batch, steps, HEADS, size).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(size)
        future = torch.ones(steps, steps, dtype=torch.bool, device=x.device).triu(1)
        weights = F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        return self.out((weights @ v).transpose(1, 2).reshape(batch, steps, width))


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

    def forward(self, ids):  # (B, T) índices -> (B, T, V) logits
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.tokens(ids) + self.positions(positions)
        return self.head(self.norm(self.blocks(x)))


def train_and_sample(train_text, vocab, contexts, prompt, length, temperature, num_samples):
    """Treina o CharGPT em train_text; devolve (logprobs do caractere seguinte a cada contexto, amostras)."""
    device = os.environ.get("GRADER_DEVICE", "cpu")  # "cuda" quando houver GPU
    torch.manual_seed(0)
    index = {char: i for i, char in enumerate(vocab)}
    data = torch.tensor([index[c] for c in train_text], device=device)
    model = CharGPT(len(vocab)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    offsets = torch.arange(BLOCK, device=device)
    for step in range(STEPS):
        starts = torch.randint(len(data) - BLOCK, (BATCH,), device=device)
        x = data[starts[:, None] + offsets]  # BATCH trechos de BLOCK caracteres
        y = data[starts[:, None] + offsets + 1]  # o caractere seguinte a cada posição
        loss = F.cross_entropy(model(x).reshape(-1, len(vocab)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 25 == 24:
            report(step + 1, STEPS, loss=loss.item())

    model.eval()
    with torch.no_grad():
        windows = torch.tensor([[index[c] for c in context[-BLOCK:]] for context in contexts], device=device)
        logprobs = F.log_softmax(model(windows)[:, -1], dim=-1).cpu()
        samples = []
        for _ in range(num_samples):
            ids = torch.tensor([index[c] for c in prompt], device=device)
            for _ in range(length):
                logits = model(ids[None, -BLOCK:])[:, -1]
                probs = F.softmax(logits / temperature, dim=-1)
                ids = torch.cat([ids, torch.multinomial(probs, 1)[0]])
            samples.append("".join(vocab[i] for i in ids.tolist()))
    return logprobs, samples
