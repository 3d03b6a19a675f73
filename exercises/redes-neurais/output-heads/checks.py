"""Hidden cases and judge for output-heads. Runs outside the sandbox only."""

import torch
import torch.nn.functional as F

from grader.judging import expect_tensor_close, fail


def _z(rng, n, k):
    generator = torch.Generator().manual_seed(rng.randrange(2**31))
    return torch.randn(n, k, generator=generator) * 3, generator


def make_cases(rng):
    n, k = rng.randint(4, 8), rng.randint(3, 6)
    z_sales, g = _z(rng, n, 1)
    sales = torch.rand(n, 1, generator=g) * 10
    z_sales[0, 0] = -2.0  # a negative logit in every grading: without an activation it shows
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


# Sales are never negative and have no upper bound: any of these heads is right, and the loss is
# the mean squared error of that head's output. sigmoid (at most 1) and no head (negative values) fail.
SALES_HEADS = {"ReLU": F.relu, "softplus": F.softplus, "exp": torch.exp}

REFERENCE = {
    "sales_output": list(SALES_HEADS.values()),
    "sales_loss": [lambda z, y, head=head: F.mse_loss(head(z), y) for head in SALES_HEADS.values()],
    "class_output": [lambda z: torch.softmax(z, dim=-1)],
    "class_loss": [F.cross_entropy],  # mean over the n examples
    "tags_output": [torch.sigmoid],
    "tags_loss": [F.binary_cross_entropy_with_logits],  # mean over all n·k elements
}


def judge(case, outcome, reference):
    args = [a.to(torch.float64) if a.dtype.is_floating_point else a for a in case["args"]]
    verdicts = [expect_tensor_close(outcome, f(*args), rtol=1e-4, atol=1e-6) for f in REFERENCE[case["call"]]]
    if any(v.passed for v in verdicts) or not case["call"].startswith("sales"):
        return next((v for v in verdicts if v.passed), verdicts[0])
    return fail(
        f"{verdicts[0].feedback['pt']} (comparado com a ReLU; softplus e exp também valem).",
        f"{verdicts[0].feedback['en']} (compared with ReLU; softplus and exp are accepted too).",
    )
