"""Static rules enforced again inside the sandbox (grader.static.runtime_rules).

The AST check lets through what is the student's own: a layer's `backward`
method, a flag named `compile`. These tests make sure that what passes that way
still cannot reach what the rules forbid, that correct code written that way
gets full marks, and that each run-time guard stops a cheat that the static
check alone lets through (each cheat below computes the right answer when
nothing guards it).

Every test runs on both sandbox paths: the warm fork server and a fresh bwrap sandbox.
"""

import pytest

from grader import content, engine, static
from tests.conftest import EXERCISES, SOLUTION

pytestmark = [pytest.mark.usefixtures("sandbox_ready"), pytest.mark.security]


def exercise(name):
    return content.find_exercise(name, EXERCISES)


def scores(report):
    return {c["name"]: c["score"] for c in report["checks"]}


def feedback(report):
    return " ".join(c["feedback"]["en"] for c in report["checks"])


# --- backprop by hand: an own backward method is fine, autograd is not -------------------

LAYERS = """
import torch


class Linear:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def forward(self, x):
        self.x = x
        return x @ self.w + self.b

    def backward(self, dout):
        self.grad = [self.x.T @ dout, dout.sum(dim=0)]
        return dout @ self.w.T


class ReLU:
    def forward(self, z):
        self.mask = (z > 0).to(z.dtype)
        return z * self.mask

    def backward(self, dout):
        return dout * self.mask


def gradients(x, y, w1, b1, w2, b2):
    layers = [Linear(w1, b1), ReLU(), Linear(w2, b2)]
    out = x
    for layer in layers:
        out = layer.forward(out)
    dout = 2 * (out - y) / out.numel()
    for layer in reversed(layers):
        dout = layer.backward(dout)
    return layers[0].grad + layers[2].grad
"""

AUTOGRAD_INSIDE_BACKWARD = """
import torch


class Model:
    def backward(self, loss):
        loss.backward()
{extra}

def gradients(x, y, w1, b1, w2, b2):
    params = [p.clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    a, b, c, d = params
    loss = (((x @ a + b).clamp(min=0) @ c + d - y) ** 2).mean()
    Model().backward(loss)
    return [p.grad for p in params]
"""


def test_layer_classes_with_their_own_backward_get_full_marks(warm):
    report = engine.grade(exercise("backprop-by-hand"), LAYERS, warm=warm)
    assert (report["status"], report["score"]) == ("graded", 10)


def test_a_backward_method_that_calls_autograd_is_refused_before_it_runs(warm):
    # requires_grad_ and .grad are still the tensor's here: the static rules refuse the code.
    report = engine.grade(exercise("backprop-by-hand"), AUTOGRAD_INSIDE_BACKWARD.format(extra=""), warm=warm)
    assert (report["status"], report["score"]) == ("graded", 0)
    assert {r["name"] for r in report["rules"]} == {"Tensor.requires_grad_", "Tensor.grad"}


def test_a_backward_method_that_calls_autograd_scores_nothing_even_past_the_static_rules(warm):
    # Naming methods grad and requires_grad_ too lets every `.name` through the static rules;
    # inside the sandbox, autograd is off and Tensor.backward refuses.
    extra = "    def grad(self):\n        pass\n\n    def requires_grad_(self):\n        pass\n"
    source = AUTOGRAD_INSIDE_BACKWARD.format(extra=extra)
    assert static.find_violations(source, exercise("backprop-by-hand").forbid) == []
    report = engine.grade(exercise("backprop-by-hand"), source, warm=warm)
    assert (report["status"], report["score"]) == ("graded", 0)
    assert "Tensor.backward" in feedback(report) and "not allowed" in feedback(report)


# --- learning rate: every way of getting autograd's gradient, past the static rules -------

GRADIENT_DESCENT = """
import threading
import torch


class Optimizer:  # an own backward method: `.backward` passes the static rules
    def backward(self, loss):
        return loss


def walk(node, grad, grads):
    # Backpropagation through autograd's graph one node at a time, without the engine.
    if node is None:
        return
    if hasattr(node, "variable"):
        grads.append(grad)
        return
    outs = node(grad)
    outs = outs if isinstance(outs, tuple) else (outs,)
    for (child, _), out in zip(node.next_functions, outs):
        if out is not None:
            walk(child, out, grads)


def gradient_descent(x, y, lr, steps):
    w = torch.zeros(x.shape[1], dtype=x.dtype)
    losses = []
    for _ in range(steps):
        losses.append(((x @ w - y) ** 2).mean())
{gradient}
        w = (w - lr * g).detach()
    return torch.stack(losses)


def diagnose(losses):
    return "converges"
"""

AUTOGRAD_WAYS = {
    "tensor_backward": """
        v = w.detach().requires_grad_(True)
        ((x @ v - y) ** 2).mean().backward()
        g = v.grad""",
    "enable_grad": """
        with torch.enable_grad():
            v = w.detach().requires_grad_(True)
            ((x @ v - y) ** 2).mean().backward()
        g = v.grad""",
    "inference_mode_false_and_the_graph": """
        with torch.inference_mode(False):
            v = w.detach().requires_grad_(True)
            grads = []
            walk(((x @ v - y) ** 2).mean().grad_fn, torch.ones((), dtype=x.dtype), grads)
        g = sum(grads)""",
    "the_graph_built_in_a_thread": """
        grads = []
        def work():
            v = w.detach().requires_grad_(True)
            walk(((x @ v - y) ** 2).mean().grad_fn, torch.ones((), dtype=x.dtype), grads)
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        g = sum(grads)""",
}


@pytest.mark.parametrize("way", sorted(AUTOGRAD_WAYS))
def test_autograd_is_switched_off_inside_the_sandbox(warm, way):
    learning_rate = exercise("learning-rate")
    source = GRADIENT_DESCENT.format(gradient=AUTOGRAD_WAYS[way])
    assert static.find_violations(source, learning_rate.forbid) == []
    report = engine.grade(learning_rate, source, warm=warm)
    assert scores(report)["descent"] == 0


# --- softmax: forbidden functions are stubs at run time -----------------------------------

OWN_SOFTMAX_METHOD = """
import torch


class Helper:  # an own softmax method: `.softmax` passes the static rules
    def softmax(self, z):
        return z


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return (z / temperature).softmax(dim)
"""

# A library class that computes softmax with the forbidden function inside.
THROUGH_A_LIBRARY_CLASS = """
import torch


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    moved = (z / temperature).movedim(dim, -1)
    return torch.distributions.Categorical(logits=moved).probs.movedim(-1, dim)
"""


@pytest.mark.parametrize("source", [OWN_SOFTMAX_METHOD, THROUGH_A_LIBRARY_CLASS], ids=["method", "library"])
def test_a_forbidden_function_reached_past_the_static_rules_refuses_to_run(warm, source):
    softmax = exercise("softmax-temperature")
    assert static.find_violations(source, softmax.forbid) == []
    report = engine.grade(softmax, source, warm=warm)
    assert (report["status"], report["score"]) == ("graded", 1)  # only the validation of the temperature
    assert "not allowed" in feedback(report)


# --- names the module binds: the student's own, never the built-ins ----------------------

NANOGPT_STYLE = """
compile = False  # nanoGPT's flag: torch.compile the model or not


class Config:
    def __init__(self, **kwargs):
        self.temperature = 1.0
        self.__dict__.update(kwargs)


config = Config(temperature=1.0)
if compile:
    raise RuntimeError("not compiled here")
"""


def test_a_compile_flag_and_a_config_class_get_full_marks(warm):
    report = engine.grade(exercise("softmax-temperature"), SOLUTION + NANOGPT_STYLE, warm=warm)
    assert (report["status"], report["score"]) == ("graded", 10)


@pytest.mark.parametrize(
    "trick",
    [
        "compile = compile\nprogram = compile('1', 'x', 'eval')\n",
        "def early():\n    return compile\n\nprogram = early()('1', 'x', 'eval')\ncompile = False\n",
        "def f(getattr=None):\n    pass\n\nimport torch\nmethod = getattr(torch.Tensor, 'soft' + 'max')\n",
        "def f(eval=None, vars=None):\n    pass\n\nfound = vars()['__builtins__']\n",
    ],
    ids=["compile_is_compile", "used_before_assignment", "getattr_bound_elsewhere", "vars_bound_elsewhere"],
)
def test_a_name_the_module_binds_never_falls_back_to_the_builtin(warm, trick):
    softmax = exercise("softmax-temperature")
    source = SOLUTION + "\n" + trick
    assert static.find_violations(source, softmax.forbid) == []
    report = engine.grade(softmax, source, warm=warm)
    assert (report["status"], report["score"]) == ("error", 0)
    assert "NameError" in report["traceback"]


# --- code the static rules never see ------------------------------------------------------


def test_a_module_written_at_run_time_cannot_be_imported(warm):
    hostile = """
for folder in ("/sandbox", "/tmp"):
    open(folder + "/helper_module.py", "w").write("from torch import softmax as f\\n")
import helper_module
"""
    report = engine.grade(exercise("softmax-temperature"), hostile + SOLUTION, warm=warm)
    assert (report["status"], report["score"]) == ("error", 0)
    assert "No module named 'helper_module'" in report["traceback"]


@pytest.mark.parametrize(
    "start",
    [
        "import os\nos.system('true')\n",
        "import os\nos.popen('true').read()\n",
        "import os\nos.execv('/bin/true', ['true'])\n",
        "import multiprocessing\nmultiprocessing.get_context('spawn').Process(target=print).start()\n",
    ],
    ids=["system", "popen", "execv", "spawn"],
)
def test_another_program_cannot_be_started_where_rules_apply(warm, start):
    # A new interpreter would have none of these guards.
    report = engine.grade(exercise("softmax-temperature"), start + SOLUTION, warm=warm)
    assert (report["status"], report["score"]) == ("error", 0)
    assert "is not allowed in this exercise" in report["traceback"]
