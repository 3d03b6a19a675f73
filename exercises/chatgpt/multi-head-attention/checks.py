"""Hidden cases and judge for multi-head-attention. Runs outside the sandbox only."""

import torch
import torch.nn.functional as F

from grader.judging import expect_tensor_close, fail, ok, problem_with


def _inputs(rng, heads):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    channels = heads * rng.choice([2, 4])
    batch, steps = rng.randint(1, 3), rng.randint(3, 6)
    scale = channels**-0.5
    x = torch.randn(batch, steps, channels, generator=generator)
    weights = [torch.randn(channels, channels, generator=generator) * scale for _ in range(4)]
    return [x, *weights, heads]


def make_cases(rng):
    cases = [
        {"check": "one_head", "call": "multi_head_attention", "args": _inputs(rng, 1), "kwargs": {"causal": False}},
        {"check": "heads", "call": "multi_head_attention", "args": _inputs(rng, 2), "kwargs": {"causal": False}},
        {"check": "heads", "call": "multi_head_attention", "args": _inputs(rng, 4), "kwargs": {"causal": False}},
        {"check": "causal", "call": "multi_head_attention", "args": _inputs(rng, rng.choice([2, 3]))},
    ]
    args = _inputs(rng, 2)
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    grad = {"wrt": [0], "weights": torch.randn(args[0].shape, generator=generator)}
    cases.append({"check": "gradients", "call": "multi_head_attention", "args": args, "grad": grad})
    return cases


def _expected(x, w_q, w_k, w_v, w_o, num_heads, causal=True):
    batch, steps, channels = x.shape

    def heads(t):
        return t.view(batch, steps, num_heads, channels // num_heads).transpose(1, 2)

    mixed = F.scaled_dot_product_attention(heads(x @ w_q), heads(x @ w_k), heads(x @ w_v), is_causal=causal)
    return mixed.transpose(1, 2).reshape(batch, steps, channels) @ w_o


def judge(case, outcome, reference):
    args = [a.to(torch.float64) if isinstance(a, torch.Tensor) else a for a in case["args"]]
    kwargs = case.get("kwargs", {})
    if "grad" not in case:
        return expect_tensor_close(outcome, _expected(*args, **kwargs), rtol=1e-4, atol=1e-5)
    problem = problem_with(outcome)
    if problem:
        return problem
    x = args[0].requires_grad_(True)
    (_expected(x, *args[1:], **kwargs) * case["grad"]["weights"].to(torch.float64)).sum().backward()
    value = outcome.value
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], torch.Tensor):
        return fail(
            "A função deve devolver um tensor diferenciável.", "The function must return a differentiable tensor."
        )
    if value[1].shape != x.grad.shape or not torch.allclose(value[1].to(torch.float64), x.grad, rtol=1e-3, atol=1e-4):
        return fail("Gradiente em relação a x diferente do esperado.", "Gradient with respect to x differs.")
    return ok()
