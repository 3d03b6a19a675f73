"""Hidden cases and judge for sample-next-token: the draws are checked statistically.

With 20,000 draws, each token's observed frequency is within 0.02 of its
probability with overwhelming likelihood (more than five standard deviations).
The greedy case (T = 0.01, 200 draws) is drawn with the top logit at least 0.1
above the next, so the top token has probability above 0.999 and sampling and an
argmax shortcut agree: a correct solution fails it with probability below 1e-20
(it takes 10 draws off the top, each with probability under 4e-4).
"""

import torch

from grader.judging import fail, ok, problem_with

DRAWS = 20_000
TOLERANCE = 0.02


GREEDY_MARGIN = 0.1


def _logits(rng, n, margin=0.0):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    logits = torch.randn(n, generator=generator) * 1.5
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


def make_cases(rng):
    return [
        _case(rng, "distribution", rng.randint(4, 8)),
        _case(rng, "temperature", rng.randint(4, 8), temperature=0.5),
        _case(rng, "temperature", rng.randint(4, 8), temperature=2.0),
        _case(rng, "top_k", 8, top_k=3),
        _case(rng, "top_k", 10, top_k=5, temperature=1.5),
        _case(rng, "greedy", rng.randint(5, 9), GREEDY_MARGIN, temperature=0.01, num_samples=200),
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
    if not isinstance(draws, torch.Tensor) or tuple(draws.shape) != (count,) or draws.dtype.is_floating_point:
        return fail(f"Devolva um tensor de {count} índices inteiros.", f"Return a tensor of {count} integer indices.")
    if bool(((draws < 0) | (draws >= logits.numel())).any()):
        return fail("Há índices fora do vocabulário.", "Some indices fall outside the vocabulary.")
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
            f"As frequências sorteadas não seguem a distribuição esperada (diferença de até {worst:.3f}).",
            f"The drawn frequencies do not follow the expected distribution (off by up to {worst:.3f}).",
        )
    return ok()
