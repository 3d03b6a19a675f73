import pytest

from grader.static import find_violations, runtime_rules

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


# --- autograd: calling it is refused, a method the student names `backward` is not -----------

AUTOGRAD = ["torch.autograd", "Tensor.backward", "Tensor.requires_grad_", "Tensor.grad", "torch.func", "functorch"]
LEARNING_RATE = ["torch.optim", "torch.autograd", "Tensor.backward"]

LAYERS = """
import torch

class Linear:
    def __init__(self, w, b):
        self.w, self.b = w, b
        self.grad = None

    def forward(self, x):
        self.x = x
        return x @ self.w + self.b

    def backward(self, dout):
        self.grad = (self.x.T @ dout, dout.sum(dim=0))
        return dout @ self.w.T

def gradients(x, y, w1, b1, w2, b2):
    layers = [Linear(w1, b1), Linear(w2, b2)]
    out = x
    for layer in layers:
        out = layer.forward(out)
    dout = 2 * (out - y) / out.numel()
    for layer in reversed(layers):
        dout = layer.backward(dout)
    return [g for layer in layers for g in layer.grad]
"""


def test_a_layer_class_with_its_own_backward_and_grad_is_fine():
    assert find_violations(LAYERS, AUTOGRAD) == []


def test_without_an_own_backward_the_tensor_method_is_still_refused():
    source = "def gradients(loss):\n    loss.backward()\n"
    assert [v.name for v in find_violations(source, AUTOGRAD)] == ["Tensor.backward"]


def test_a_module_level_function_does_not_allow_the_method_of_the_same_name():
    # Nothing reaches a module-level def as `.softmax`: z.softmax is the tensor's.
    source = "def softmax(z, temperature=1.0, dim=-1):\n    return (z / temperature).softmax(dim)\n"
    assert [v.name for v in find_violations(source, FORBID)] == ["Tensor.softmax"]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        # An own `backward` allows `.backward` on values; autograd reached by its module path is still refused.
        (LAYERS + "\nimport torch\ntorch.Tensor.backward(loss)\n", "Tensor.backward"),
        (LAYERS + "\nfrom torch.autograd import grad\n", "torch.autograd"),
        (LAYERS + "\nimport torch.autograd.functional as AF\n", "torch.autograd"),
        (LAYERS + "\nfrom torch.autograd.functional import jacobian\n", "torch.autograd"),
        (LAYERS + "\nimport torch\ntorch.func.grad(f)(x)\n", "torch.func"),
    ],
)
def test_autograd_by_a_path_from_an_import_is_refused(source, name):
    assert name in [v.name for v in find_violations(source, AUTOGRAD)]


def test_forbidding_autograd_forbids_its_functional_front_end_too():
    # learning-rate lists torch.autograd; torch.func.grad is the same autograd.
    source = "import torch\ng = torch.func.grad(lambda w: (w * w).sum())\n"
    assert "torch.func" in [v.name for v in find_violations(source, LEARNING_RATE)]


# --- names the module binds are the student's, not the built-ins --------------------------


@pytest.mark.parametrize(
    "source",
    [
        "compile = False  # a nanoGPT-style flag\nif compile:\n    model = torch.compile(model)\n",
        "def train(compile=True):\n    return compile\n",
        "class Config:\n    def __init__(self, **kwargs):\n        self.__dict__.update(kwargs)\n",
        "class Config:\n    def set(self, key, value):\n        self.__dict__[key] = value\n",
        "class Net(torch.nn.Module):\n    def __init__(self):\n        super(Net, self).__init__()\n",
        "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n",
        "import inspect, torch\nfused = 'fused' in inspect.signature(torch.optim.AdamW).parameters\n",
        "import torch\ntorch.backends.cuda.matmul.allow_tf32 = True\nmodel.eval()\n",
        "from dataclasses import dataclass\n@dataclass\nclass GPTConfig:\n    n_layer: int = 2\n",
        "import os, sys\ndevice = os.environ['GRADER_DEVICE']\nsys.stdout.flush()\n",
    ],
)
def test_well_known_small_gpt_idioms_are_fine(source):
    assert find_violations("import torch\n" + source, FORBID) == []


@pytest.mark.parametrize(
    ("source", "name"),
    [
        # Reading a namespace, wherever it comes from (`Config.items(torch)` makes `self` any object).
        ("class C:\n    def items(self):\n        return self.__dict__.items()\n", "__dict__"),
        ("import torch\nd = torch.__dict__\n", "__dict__"),
        ("import torch\ntorch.__dict__.get('softmax')\n", "__dict__"),
        ("import torch\ntorch.__dict__.setdefault('softmax')\n", "__dict__"),
        ("import torch\nd = torch.__getstate__()\n", "__getstate__"),
        ("x = locals()['__builtins__']\n", "locals"),
        ("import torch\nf = torch.nn.functional.relu.__globals__['softmax']\n", "__globals__"),
        ("x = ().__class__.__base__.__subclasses__()\n", "__subclasses__"),
        ("import torch\nbase = torch.Tensor.mro()[1]\n", "mro"),
        ("import sys\nsys._getframe(0).f_back\n", "f_back"),
        ("try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_globals\n", "f_globals"),
        # super(X, obj) from anything but one of the module's classes skips what the probe guards.
        ("import torch\nsuper(torch.Tensor, x).softmax(0)\n", "super(...)"),
        ("class A:\n    def f(self):\n        return super(type(self), self).f()\n", "super(...)"),
        ("import torch\nclass A:\n    pass\nA = torch.Tensor\nsuper(A, x)\n", "super(...)"),
        # The built-ins, used before or without the module binding them.
        ("getattr(torch, 'soft' + 'max')\n", "getattr"),
        ("vars(torch)['softmax']\n", "vars"),
        ("__builtins__['getattr']\n", "__builtins__"),
        ("__loader__.load_module('x')\n", "__loader__"),
        ("from inspect import signature\nsignature(f, eval_str=True)\n", "eval_str"),
    ],
)
def test_dynamic_access_is_refused(source, name):
    assert name in [v.name for v in find_violations(source, FORBID)]


# --- holes that reached forbidden functions (each one did, before these rules) -----------


@pytest.mark.parametrize(
    ("source", "name"),
    [
        # Another module's name for the same thing.
        ("import torch.nn.functional as F\nF.torch.softmax(x, 0)\n", "torch.softmax"),
        ("import torch\ntorch.nn.modules.activation.F.softmax(x, 0)\n", "torch.nn.modules.activation.F.softmax"),
        ("import torch\ntorch.Tensor.softmax(x, 0)\n", "Tensor.softmax"),
        ("from torch import Tensor as T\nT.softmax(x, 0)\n", "Tensor.softmax"),
        ("import torch\ntorch.masked.softmax(x, 0)\n", "torch.masked.softmax"),
        # A module in a variable would hide its attributes.
        ("import torch\nf = torch.nn.functional\nf.softmax(x, 0)\n", "torch.nn.functional as a value"),
        ("import torch.nn.functional as F\nmodules = [F]\n", "torch.nn.functional as a value"),
        ("import sys\ns = sys\ns.modules['torch']\n", "sys as a value"),
        # A use above the import still uses its alias.
        ("def f(x):\n    return F.softmax(x, 0)\nimport torch.nn.functional as F\n", "torch.nn.functional.softmax"),
        # Names looked up from strings.
        ("import sys\nsys.modules['torch'].softmax(x, 0)\n", "sys.modules"),
        ("import os\nos.sys.modules['torch']\n", "sys.modules"),
        ("import operator, torch\noperator.attrgetter('soft' + 'max')(torch)\n", "operator.attrgetter"),
        ("from operator import methodcaller\nmethodcaller('soft' + 'max', 0)(x)\n", "operator.methodcaller"),
        ("import inspect, torch\ndict(inspect.getmembers(torch))\n", "inspect.getmembers"),
        ("import gc\ngc.get_objects()\n", "gc"),
        ("import pkgutil\npkgutil.resolve_name('torch:softmax')\n", "pkgutil"),
        ("import pydoc\npydoc.locate('torch.softmax')\n", "pydoc"),
        ("import string\nstring.Formatter().get_field('0.softmax', [torch], {})\n", "string.Formatter"),
        ("import typing\ntyping.get_type_hints(f)\n", "typing.get_type_hints"),
        ("import logging.config\nlogging.config.BaseConfigurator({}).resolve('torch.softmax')\n", "logging.config"),
        ("from unittest import mock\nmock.patch('torch.softmax')\n", "unittest.mock"),
        ("import types\ntypes.FunctionType(code, {})\n", "types.FunctionType"),
        # Objects or code rebuilt from bytes or text, or another program.
        ("import pickle\npickle.loads(b'ctorch\\nsoftmax\\n.')\n", "pickle.loads"),
        ("from pickle import Unpickler\n", "pickle.Unpickler"),
        ("import marshal\nmarshal.loads(data)\n", "marshal.loads"),
        ("import torch, io\ntorch.load(io.BytesIO(data), weights_only=False)\n", "torch.load"),
        ("import torch\ntorch.jit.CompilationUnit('def f(x):\\n    return x')\n", "torch.jit"),
        ("import timeit\ntimeit.timeit('torch.softmax(x, 0)', globals={})\n", "timeit"),
        ("import subprocess\nsubprocess.run(['python', '-c', 'print(1)'])\n", "subprocess"),
        ("import ctypes\nctypes.pythonapi.PyObject_GetAttrString\n", "ctypes.pythonapi"),
        ("import ctypes\nctypes.cast(address, ctypes.py_object).value\n", "ctypes.py_object"),
        ("import sys\nsys.path.insert(0, '/tmp')\n", "sys.path"),
        # PyTorch's ways around its public names.
        ("import torch\ntorch._C._VariableFunctions.softmax(x, 0)\n", "torch._C"),
        ("import torch\ntorch._softmax(x, 0, False)\n", "torch._softmax"),
        ("import torch\ntorch.ops.aten.softmax(x, 0)\n", "torch.ops"),
        ("import torch\nm = torch.nn.modules.module\nm.sys\n", "sys"),
    ],
)
def test_each_way_around_the_rules_is_refused(source, name):
    assert name in [v.name for v in find_violations(source, FORBID)]


# --- what the probe enforces --------------------------------------------------------------


def test_what_reaches_no_name_is_left_alone():
    # Writing a pickle, naming os.system (the probe refuses to run it), crashing on purpose, os._exit.
    source = """
import ctypes, os, pickle

class Payload:
    def __reduce__(self):
        return (os.system, ("true",))

data = pickle.dumps(Payload())

def crash():
    ctypes.string_at(0)
    os._exit(0)
"""
    assert find_violations(source, FORBID) == []


def test_runtime_rules_switch_autograd_off_only_where_it_is_forbidden():
    rules = runtime_rules(AUTOGRAD)
    assert rules["no_autograd"] is True
    assert "compile" in rules["remove_builtins"] and "getattr" in rules["remove_builtins"]
    assert "Tensor.grad" in rules["replace"] and "Tensor.backward" not in rules["replace"]
    softmax = runtime_rules(FORBID)
    assert softmax["no_autograd"] is False
    assert softmax["replace"] == FORBID
    assert runtime_rules([]) == {}
