"""Hidden cases and judge for output-heads. Runs outside the sandbox only."""

import torch
import torch.nn.functional as F

from grader.judging import expect_tensor_close


def _z(rng, n, k):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    return torch.randn(n, k, generator=generator) * 3, generator


def make_cases(rng):
    n, k = rng.randint(4, 8), rng.randint(3, 6)
    z_sales, g = _z(rng, n, 1)
    sales = torch.rand(n, 1, generator=g) * 10
    z_class, g = _z(rng, n, k)
    classes = torch.randint(0, k, (n,), generator=g)
    z_tags, g = _z(rng, n, k)
    tags = (torch.rand(n, k, generator=g) > 0.5).to(torch.float32)
    z_tags[0, 0] = 60.0  # a confident logit: the loss must stay finite
    return [
        {"check": "sales", "call": "sales_output", "args": [z_sales]},
        {"check": "sales", "call": "sales_loss", "args": [z_sales, sales]},
        {"check": "classes", "call": "class_output", "args": [z_class]},
        {"check": "classes", "call": "class_loss", "args": [z_class, classes]},
        {"check": "tags", "call": "tags_output", "args": [z_tags]},
        {"check": "tags", "call": "tags_loss", "args": [z_tags, tags]},
    ]


REFERENCE = {
    "sales_output": F.relu,
    "sales_loss": lambda z, y: F.mse_loss(F.relu(z), y),
    "class_output": lambda z: torch.softmax(z, dim=-1),
    "class_loss": F.cross_entropy,
    "tags_output": torch.sigmoid,
    "tags_loss": F.binary_cross_entropy_with_logits,
}


def judge(case, outcome, reference):
    args = [a.to(torch.float64) if a.dtype.is_floating_point else a for a in case["args"]]
    return expect_tensor_close(outcome, REFERENCE[case["call"]](*args), rtol=1e-4, atol=1e-6)
