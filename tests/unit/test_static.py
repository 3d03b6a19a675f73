import pytest

from grader.static import find_violations

FORBID = ["torch.softmax", "torch.nn.functional.softmax", "torch.nn.Softmax", "Tensor.softmax"]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("import torch\ntorch.softmax(x, 0)\n", "torch.softmax"),
        ("import torch as t\nt.softmax(x, 0)\n", "torch.softmax"),
        ("import torch.nn.functional as F\nF.softmax(x, 0)\n", "torch.nn.functional.softmax"),
        ("from torch.nn import functional as F\nF.softmax(x, 0)\n", "torch.nn.functional.softmax"),
        ("import torch\ntorch.nn.functional.softmax(x, 0)\n", "torch.nn.functional.softmax"),
        ("from torch import softmax as s\ns(x, 0)\n", "torch.softmax"),
        ("from torch.nn import Softmax\nSoftmax(0)(x)\n", "torch.nn.Softmax"),
        ("x.softmax(-1)\n", "Tensor.softmax"),
        ("(x / 2).softmax(dim=0)\n", "Tensor.softmax"),
        ("import torch\ngetattr(torch, 'soft' + 'max')(x, 0)\n", "getattr"),
        ("eval('torch.softmax(x, 0)')\n", "eval"),
        ("__import__('torch').softmax(x, 0)\n", "__import__"),
        ("import importlib\nimportlib.import_module('torch')\n", "importlib"),
        ("from torch import *\n", "torch.*"),
        ("import torch\ntorch.__dict__['softmax'](x, 0)\n", "__dict__"),
        ("import torch\nx.__getattribute__('softmax')(0)\n", "__getattribute__"),
        ("import builtins\nbuiltins.eval('1')\n", "builtins"),
    ],
)
def test_forbidden_uses_are_found_however_they_are_spelled(source, name):
    assert name in [v.name for v in find_violations(source, FORBID)]


def test_the_students_own_softmax_is_fine():
    source = """
import torch

def softmax(z, temperature=1.0, dim=-1):
    shifted = z / temperature - (z / temperature).amax(dim=dim, keepdim=True)
    return shifted.exp() / shifted.exp().sum(dim=dim, keepdim=True)

def twice(z):
    return softmax(softmax(z))
"""
    assert find_violations(source, FORBID) == []


def test_methods_named_like_builtins_are_fine():
    # model.eval() switches off dropout; torch.compile is a compiler, not the builtin.
    source = "import torch\nmodel.eval()\nmodel.train(False)\nf = torch.compile(g)\n"
    assert find_violations(source, FORBID) == []


def test_violations_carry_their_line():
    (violation,) = find_violations("import torch\n\n\ny = torch.softmax(x, 0)\n", FORBID)
    assert violation.line == 4


def test_no_rules_means_nothing_is_checked_and_bad_syntax_is_left_to_the_probe():
    assert find_violations("x.softmax(0)", []) == []
    assert find_violations("def broken(:", FORBID) == []
