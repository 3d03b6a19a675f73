"""Hidden cases and judge for causal-attention. Runs outside the sandbox only.

Expected values come from PyTorch's own scaled_dot_product_attention, in float64.
"""

import torch
import torch.nn.functional as F

from grader.judging import expect_tensor_close, fail, ok, problem_with


def _qkv(rng, *batch, n=None, m=None, d=None):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    n = n or rng.randint(3, 7)
    m = m or n
    d = d or rng.choice([4, 8, 16])
    q = torch.randn(*batch, n, d, generator=generator)
    k = torch.randn(*batch, m, d, generator=generator)
    v = torch.randn(*batch, m, rng.choice([3, 5]), generator=generator)
    return [q, k, v]


def make_cases(rng):
    cases = [
        {"check": "values", "call": "attention", "args": _qkv(rng)},
        {"check": "values", "call": "attention", "args": _qkv(rng, n=4, m=6)},
        {"check": "causal", "call": "attention", "args": _qkv(rng), "kwargs": {"causal": True}},
        {"check": "causal", "call": "attention", "args": _qkv(rng, n=1), "kwargs": {"causal": True}},
        {"check": "batched", "call": "attention", "args": _qkv(rng, 2, 3), "kwargs": {"causal": True}},
    ]
    args = _qkv(rng, 2)
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    weights = torch.randn(*args[0].shape[:-1], args[2].shape[-1], generator=generator)
    cases.append(
        {
            "check": "gradients",
            "call": "attention",
            "args": args,
            "kwargs": {"causal": True},
            "grad": {"wrt": [0, 1, 2], "weights": weights},
        }
    )
    return cases


def _reference(case):
    q, k, v = (t.to(torch.float64) for t in case["args"])
    causal = case.get("kwargs", {}).get("causal", False)
    if "grad" not in case:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    q, k, v = (t.clone().requires_grad_(True) for t in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    (out * case["grad"]["weights"].to(torch.float64)).sum().backward()
    return [out.detach(), q.grad, k.grad, v.grad]


def judge(case, outcome, reference):
    expected = _reference(case)
    if "grad" not in case:
        return expect_tensor_close(outcome, expected, rtol=1e-4, atol=1e-5)
    problem = problem_with(outcome)
    if problem:
        return problem
    value = outcome.value
    if not isinstance(value, list) or len(value) != 4:
        return fail("A função deve devolver um tensor.", "The function must return a tensor.")
    for got, want, name in zip(value, expected, ("saída", "dq", "dk", "dv"), strict=True):
        if not isinstance(got, torch.Tensor) or got.shape != want.shape or got.numel() == 0:
            return fail(
                f"Sem gradiente para {name}: use só operações diferenciáveis do PyTorch.",
                f"No gradient for {name}: use only differentiable PyTorch operations.",
            )
        if not torch.allclose(got.to(torch.float64), want, rtol=1e-3, atol=1e-4):
            return fail(
                f"Gradiente diferente do esperado ({name}).", f"Gradient differs from the expected one ({name})."
            )
    return ok()
