"""Hidden cases and judge for reward-ranking-loss. Runs outside the sandbox only."""

import itertools

import torch
import torch.nn.functional as F

from grader.judging import expect_tensor_close, fail, ok, problem_with


def _rewards(rng, n, scale=2.0):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    return torch.randn(n, generator=generator) * scale


def make_cases(rng):
    n = rng.randint(4, 9)
    cases = [
        {"check": "pairwise", "call": "pairwise_loss", "args": [_rewards(rng, n), _rewards(rng, n)]},
        {"check": "pairwise", "call": "pairwise_loss", "args": [_rewards(rng, 1), _rewards(rng, 1)]},
    ]
    for k in (3, rng.randint(4, 6)):
        ranking = list(range(k))
        rng.shuffle(ranking)
        cases.append({"check": "ranking", "call": "ranking_loss", "args": [_rewards(rng, k), ranking]})
    big = torch.tensor([300.0, -300.0, 5.0])
    cases.append({"check": "stable", "call": "pairwise_loss", "args": [-big, big]})
    chosen, rejected = _rewards(rng, n), _rewards(rng, n)
    grad = {"wrt": [0, 1], "weights": torch.tensor(1.0)}
    cases.append({"check": "gradients", "call": "pairwise_loss", "args": [chosen, rejected], "grad": grad})
    return cases


def _pairwise(chosen, rejected):
    return F.softplus(rejected - chosen).mean()


def _expected(case):
    args = [a.to(torch.float64) if isinstance(a, torch.Tensor) else a for a in case["args"]]
    if case["call"] == "ranking_loss":
        rewards, ranking = args
        pairs = list(itertools.combinations(ranking, 2))
        return _pairwise(rewards[[i for i, _ in pairs]], rewards[[j for _, j in pairs]])
    return _pairwise(*args)


def judge(case, outcome, reference):
    if "grad" not in case:
        return expect_tensor_close(outcome, _expected(case), rtol=1e-4, atol=1e-6)
    problem = problem_with(outcome)
    if problem:
        return problem
    chosen, rejected = (a.to(torch.float64).requires_grad_(True) for a in case["args"])
    _pairwise(chosen, rejected).backward()
    value = outcome.value
    if not isinstance(value, list) or len(value) != 3:
        return fail("A perda deve ser um tensor escalar.", "The loss must be a scalar tensor.")
    for got, want in ((value[1], chosen.grad), (value[2], rejected.grad)):
        if not isinstance(got, torch.Tensor) or got.shape != want.shape:
            return fail(
                "Sem gradiente: use só operações diferenciáveis do PyTorch.",
                "No gradient: use only differentiable PyTorch operations.",
            )
        if not torch.allclose(got.to(torch.float64), want, rtol=1e-3, atol=1e-6):
            return fail("Gradientes diferentes dos esperados.", "Gradients differ from the expected ones.")
    return ok()
