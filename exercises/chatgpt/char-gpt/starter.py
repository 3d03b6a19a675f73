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
        # TODO: 1) q, k, v = self.qkv(x).split(C, dim=2); separe as HEADS cabeças: (B, T, C) -> (B, H, T, C/H);
        # 2) pontuações q @ kᵀ / sqrt(C/H); 3) máscara causal: a posição t só vê 0..t (masked_fill com -inf);
        # 4) softmax na última dimensão e mistura dos valores v; 5) junte as cabeças e aplique self.out.
        raise NotImplementedError("escreva a autoatenção causal")


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
        y = x  # TODO: os alvos são o caractere SEGUINTE a cada posição de x
        loss = F.cross_entropy(model(x).reshape(-1, len(vocab)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 25 == 24:
            report(step + 1, STEPS, loss=loss.item())

    model.eval()
    with torch.no_grad():
        # TODO: tensor (len(contexts), len(vocab)): log-probabilidade de cada caractere vir logo
        # depois de cada contexto (log_softmax da saída da última posição).
        logprobs = torch.zeros(len(contexts), len(vocab))
        # TODO: num_samples amostras, cada uma o prompt seguido de `length` caracteres gerados um por vez,
        # cada um sorteado (torch.multinomial) de softmax(logits / temperature) da última posição.
        samples = [prompt] * num_samples
    return logprobs, samples
