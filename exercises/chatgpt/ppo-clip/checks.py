"""Hidden cases and judge for ppo-clip. Runs outside the sandbox only."""

import torch

from grader.judging import expect_tensor_close, fail, ok, problem_with


def _batch(rng, n, spread):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    logp_old = -torch.rand(n, generator=generator) * 3 - 0.1
    logp_new = logp_old + (torch.rand(n, generator=generator) * 2 - 1) * spread
    advantages = torch.randn(n, generator=generator)
    advantages[0], advantages[1] = 1.5, -1.5  # both signs, always
    logp_new[0], logp_new[1] = logp_old[0] + spread, logp_old[1] + spread  # pushed past the clip range when far
    return [logp_new, logp_old, advantages]


def make_cases(rng):
    n = rng.randint(6, 12)
    return [
        {"check": "inside", "call": "ppo_clip_loss", "args": _batch(rng, n, 0.05)},
        {"check": "clipped", "call": "ppo_clip_loss", "args": _batch(rng, n, 1.0)},
        {"check": "clipped", "call": "ppo_clip_loss", "args": _batch(rng, n, 2.0)},
        {"check": "epsilon", "call": "ppo_clip_loss", "args": _batch(rng, n, 1.0), "kwargs": {"clip": 0.1}},
        {"check": "epsilon", "call": "ppo_clip_loss", "args": _batch(rng, n, 1.0), "kwargs": {"clip": 0.3}},
        {
            "check": "gradients",
            "call": "ppo_clip_loss",
            "args": _batch(rng, n, 1.0),
            "grad": {"wrt": [0], "weights": torch.tensor(1.0)},
        },
    ]


def _loss(logp_new, logp_old, advantages, clip=0.2):
    ratio = torch.exp(logp_new - logp_old)
    return -torch.min(ratio * advantages, torch.clamp(ratio, 1 - clip, 1 + clip) * advantages).mean()


def judge(case, outcome, reference):
    args = [a.to(torch.float64) for a in case["args"]]
    kwargs = case.get("kwargs", {})
    if "grad" not in case:
        return expect_tensor_close(outcome, _loss(*args, **kwargs), rtol=1e-4, atol=1e-6)
    problem = problem_with(outcome)
    if problem:
        return problem
    logp_new = args[0].requires_grad_(True)
    _loss(logp_new, *args[1:], **kwargs).backward()
    value = outcome.value
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], torch.Tensor):
        return fail("A perda deve ser um tensor escalar diferenciável.", "The loss must be a differentiable scalar.")
    if value[1].shape != logp_new.grad.shape or not torch.allclose(
        value[1].to(torch.float64), logp_new.grad, rtol=1e-3, atol=1e-6
    ):
        return fail(
            "Gradiente em relação a logp_new diferente do esperado (onde o recorte age, ele deve ser zero).",
            "Gradient with respect to logp_new differs (where the clip acts, it must be zero).",
        )
    return ok()
