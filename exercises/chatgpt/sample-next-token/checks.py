"""Hidden cases and judge for sample-next-token: the draws are checked statistically.

False failures (a correct solution failing by bad luck), per grading:
- distribution, temperature, top_k: 20,000 draws each; a token fails when its
  observed frequency is more than 0.02 off its probability. By Hoeffding's
  inequality that happens with probability at most 2·exp(−2·20000·0.02²) =
  2·e^−16 < 2.3e-7 per token (the normal approximation gives ~1.5e-8: 0.02 is
  5.66 standard deviations even at p = 0.5). Tokens outside the top k have
  probability 0 and are never drawn, so at most 8 + 2·8 + 3 + 5 = 32 tokens can
  fail: below 7.3e-6 per grading, i.e. fewer than 1 in 100,000 gradings.
- greedy (T = 0.01, 200 draws): drawn with the top logit at least 0.1 above the
  next, so the top token has probability above 0.999 and sampling and an argmax
  shortcut agree: a correct solution fails it with probability below 1e-20 (it
  takes 11 draws off the top, each with probability under 4e-4: 5.4e-21).
- seeded: two calls with one seed must give the same draws, a call with another
  seed different ones. Over a near-uniform distribution on 8 tokens, two
  different seeds give the same 64 draws with probability about (1/8)^64, below 1e-50.
The seeds are drawn per grading, so these rates are per grading, whatever the seed.
"""

import torch

from grader.judging import fail, ok, problem_with, pt_number

DRAWS = 20_000
TOLERANCE = 0.02
GREEDY_MARGIN = 0.1
SEEDED_TOKENS, SEEDED_DRAWS = 8, 64
INTEGER_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)


def _logits(rng, n, margin=0.0, scale=1.5):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    logits = torch.randn(n, generator=generator) * scale
    logits = logits + torch.arange(n) * 1e-3  # no exact ties, so top-k is well defined
    if margin:
        # A clear winner: near a tie, T = 0.01 still splits the draws, and the check would be luck.
        top = int(logits.argmax())
        rest = torch.cat([logits[:top], logits[top + 1 :]])
        logits[top] = torch.maximum(logits[top], rest.max() + margin)
    return logits


def _case(rng, check, n, margin=0.0, **kwargs):
    kwargs = {"num_samples": DRAWS, "seed": rng.randrange(2**31), **kwargs}
    return {"check": check, "call": "sample", "args": [_logits(rng, n, margin)], "kwargs": kwargs}


def _seeded_cases(rng):
    """One seed twice, then another seed: the draws must come from a generator seeded with `seed`.

    Each outcome is judged alone, so the three cases share one dict (never sent to the sandbox) where
    the judge keeps the first call's draws; the engine judges a check's cases in order.
    """
    logits = _logits(rng, SEEDED_TOKENS, scale=0.1)  # near uniform: two seeds all but never agree
    seed = rng.randrange(2**31)
    other = (seed + 1 + rng.randrange(2**30)) % 2**31
    memory: dict = {}
    return [
        {
            "check": "seeded",
            "call": "sample",
            "args": [logits],
            "kwargs": {"num_samples": SEEDED_DRAWS, "seed": s},
            "role": role,
            "memory": memory,
        }
        for s, role in ((seed, "first"), (seed, "same_seed"), (other, "other_seed"))
    ]


def make_cases(rng):
    return [
        _case(rng, "distribution", rng.randint(4, 8)),
        _case(rng, "temperature", rng.randint(4, 8), temperature=0.5),
        _case(rng, "temperature", rng.randint(4, 8), temperature=2.0),
        _case(rng, "top_k", 8, top_k=3),
        _case(rng, "top_k", 10, top_k=5, temperature=1.5),
        _case(rng, "greedy", rng.randint(5, 9), GREEDY_MARGIN, temperature=0.01, num_samples=200),
        *_seeded_cases(rng),
    ]


def _probabilities(logits, temperature=1.0, top_k=None, **_):
    scaled = logits.to(torch.float64) / temperature
    if top_k is not None:
        keep = torch.topk(scaled, top_k).indices
        mask = torch.full_like(scaled, float("-inf"))
        mask[keep] = 0.0
        scaled = scaled + mask
    return torch.softmax(scaled, dim=-1)


def judge(case, outcome, reference):
    problem = problem_with(outcome)
    if problem:
        return problem
    draws = outcome.value
    logits = case["args"][0]
    kwargs = case["kwargs"]
    count = kwargs["num_samples"]
    if not isinstance(draws, torch.Tensor) or tuple(draws.shape) != (count,) or draws.dtype not in INTEGER_DTYPES:
        return fail(
            f"Devolva um tensor de {count} índices inteiros (int64 ou int32).",
            f"Return a tensor of {count} integer indices (int64 or int32).",
        )
    draws = draws.to(torch.int64)
    if bool(((draws < 0) | (draws >= logits.numel())).any()):
        return fail("Há índices fora do vocabulário.", "Some indices fall outside the vocabulary.")
    if case["check"] == "seeded":
        return _judge_seeded(case, draws)
    probs = _probabilities(logits, **kwargs)
    if case["check"] == "top_k" and bool((probs[draws] == 0).any()):
        return fail(
            "Foi sorteado um token fora dos k mais prováveis.", "A token outside the k most likely ones was drawn."
        )
    frequencies = torch.bincount(draws, minlength=logits.numel()).to(torch.float64) / count
    worst = (frequencies - probs).abs().max().item()
    tolerance = 0.05 if case["check"] == "greedy" else TOLERANCE
    if worst > tolerance:
        return fail(
            "As frequências sorteadas não seguem a distribuição esperada "
            f"(diferença de até {pt_number(worst, '.3f')}).",
            f"The drawn frequencies do not follow the expected distribution (off by up to {worst:.3f}).",
        )
    return ok()


def _judge_seeded(case, draws):
    memory = case["memory"]
    if case["role"] == "first":
        memory["draws"] = draws
        return ok()
    first = memory.get("draws")
    if first is None:
        return fail("A primeira chamada não foi avaliada.", "The first call was not judged.")
    if case["role"] == "same_seed" and not torch.equal(draws, first):
        return fail(
            "Duas chamadas com o mesmo `seed` deram sorteios diferentes: crie um gerador com "
            "`torch.Generator().manual_seed(seed)` e passe-o a cada sorteio (`generator=`), em vez de usar o "
            "gerador global do PyTorch.",
            "Two calls with the same `seed` gave different draws: make a generator with "
            "`torch.Generator().manual_seed(seed)` and pass it to every draw (`generator=`) instead of using "
            "PyTorch's global generator.",
        )
    if case["role"] == "other_seed" and torch.equal(draws, first):
        return fail(
            "Com outro `seed`, os sorteios foram exatamente os mesmos: o gerador precisa ser semeado com `seed`.",
            "Another `seed` gave exactly the same draws: the generator must be seeded with `seed`.",
        )
    return ok()
