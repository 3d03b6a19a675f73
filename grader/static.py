"""Static rules on the student's source, checked outside the sandbox on its AST,
and the part of the same rules that the probe enforces at run time.

An exercise that asks students to implement something themselves (softmax
without `torch.softmax`) lists the forbidden names in its manifest:

    [code.static]
    forbid = ["torch.softmax", "torch.nn.functional.softmax", "Tensor.softmax"]

In an exercise with rules, `find_violations` refuses:

- A forbidden dotted name however an import reaches it: through aliases
  (`import torch as t`, `from torch.nn import functional as F`, `from torch
  import softmax`), below it (`torch.autograd` covers `from torch.autograd
  import grad`), through a module that re-exports another (`F.torch.softmax`),
  or under the same package by its last name (`torch.Tensor.softmax`,
  `torch.masked.softmax`).
- `Tensor.NAME`: any `.NAME` attribute on a value, the method on a tensor.
  When the student's code defines NAME itself (`def backward(self, dout)` in a
  layer class, `self.backward = ...`), `.NAME` on its values is allowed, and
  the probe makes the tensor's own NAME unusable at run time instead.
- What reaches names dynamically. The built-ins `getattr`, `eval`, `exec`,
  `compile`, `globals`, `vars`, `locals`, unless the module binds that name
  itself (a flag `compile = False` is the student's variable: the probe
  removes these built-ins from the student's module, so such a name never
  falls back to them); `__import__`, `__builtins__`, `__loader__`,
  `__spec__`; attributes that read namespaces, code or frames (`__dict__`
  except to write it, `__globals__`, `__subclasses__`, `__mro__`, `mro`,
  `f_globals`...); `super(X, obj)` unless X is a class the module defines;
  modules and functions that look names up from strings or rebuild code
  (`importlib`, `inspect`, `gc`, `pickle.loads`, `operator.attrgetter`,
  `sys.modules`, `torch.ops`...); private names under the exercise's
  packages (`torch._C`); and a module used as a value (`m = sys`), which
  would hide its later attributes from these rules.

`runtime_rules` says what the probe does before it loads the submission:
forbidden functions, classes and tensor methods become stubs that raise, the
dynamic built-ins are absent from the module, other programs cannot be started
(`os.system`, `os.exec*`...: a fresh interpreter has none of these guards), and
where autograd is forbidden it is switched off (grad mode locked off, the
engine's entry points refusing).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import sys
import types
from dataclasses import dataclass

# Removed from the student's built-ins at run time, so a name the module binds itself may use them.
DYNAMIC_BUILTINS = frozenset({"getattr", "eval", "exec", "compile", "globals", "vars", "locals"})
# Never the student's own.
REFUSED_NAMES = frozenset({"__import__", "__builtins__", "__loader__", "__spec__"})
# Attributes that read a namespace, code, a frame or a class hierarchy.
REFUSED_ATTRIBUTES = frozenset(
    {
        "__dict__",  # allowed where it is only written: x.__dict__.update(...), x.__dict__[k] = v
        "__globals__",
        "__builtins__",
        "__getattribute__",
        "__getattr__",
        "__getstate__",
        "__subclasses__",
        "__mro__",
        "__bases__",
        "__base__",
        "__code__",
        "__closure__",
        "__func__",
        "__self__",
        "__wrapped__",
        "__objclass__",
        "__defaults__",
        "__kwdefaults__",
        "__loader__",
        "__spec__",
        "__import__",
        "__reduce__",
        "__reduce_ex__",
        "__traceback__",
        "mro",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "f_code",
        "tb_frame",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
    }
)
# Refused wherever they appear in a path from an import: they look names up from strings,
# rebuild objects or code from bytes, or reach Python objects through C.
DYNAMIC_PATHS = (
    "operator.attrgetter",
    "operator.methodcaller",
    "string.Formatter",
    "typing.get_type_hints",
    "typing.ForwardRef",
    "logging.config",
    "unittest.mock",
    "sys.modules",
    "sys.path",
    "sys.meta_path",
    "sys.path_hooks",
    "sys.path_importer_cache",
    "types.CodeType",
    "types.FunctionType",
    "types.LambdaType",
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "marshal.load",
    "marshal.loads",
    "multiprocessing.reduction",
    "ctypes.pythonapi",
    "ctypes.py_object",
    "ctypes.cast",
    "ctypes.CDLL",
    "ctypes.PyDLL",
    "ctypes.cdll",
    "ctypes.pydll",
    "ctypes.LibraryLoader",
    "ctypes.CFUNCTYPE",
    "ctypes.PYFUNCTYPE",
    "ctypes.memmove",
    "ctypes.memset",
    "torch.ops",
    "torch.jit",
    "torch.library",
    "torch.load",
    "torch.serialization",
    "torch.package",
    "torch.hub",
    "torch.utils.cpp_extension",
    "numpy.load",
)
# Modules refused as the root of an import: their purpose is one of the above, or running
# code given as text, or starting another program (the probe also refuses os.system and the like).
DYNAMIC_ROOTS = frozenset(
    {
        "importlib",
        "imp",
        "builtins",
        "inspect",
        "gc",
        "pkgutil",
        "pydoc",
        "zipimport",
        "site",
        "shelve",
        "dill",
        "cloudpickle",
        "code",
        "codeop",
        "runpy",
        "pdb",
        "bdb",
        "timeit",
        "cProfile",
        "profile",
        "trace",
        "doctest",
        "subprocess",
        "pty",
        "webbrowser",
        "distutils",
        "mock",
    }
)
# ...and these names anywhere: inside a path from an import (`torch.serialization.pickle`) or as
# any attribute (`m.importlib`); none of them is a name a student gives their own things.
DYNAMIC_LEAVES = frozenset(
    {
        "importlib",
        "builtins",
        "inspect",
        "pkgutil",
        "pydoc",
        "zipimport",
        "pickle",
        "marshal",
        "ctypes",
        "codeop",
        "runpy",
        "subprocess",
        "sys",
        "import_module",
        "attrgetter",
        "methodcaller",
        "get_type_hints",
        "ForwardRef",
        "CodeType",
        "FunctionType",
        "LambdaType",
        "resolve_name",
        "cpp_extension",
        "_C",
        "_VF",
        "_ops",
    }
)
# Harmless members of those modules (nanoGPT asks `inspect.signature(torch.optim.AdamW)`), and a bare
# `import inspect` for them; `eval_str=` is refused, since it evaluates annotations given as text.
SAFE_PATHS = (
    "inspect.signature",
    "inspect.Signature",
    "inspect.Parameter",
    "inspect.isclass",
    "inspect.isfunction",
    "inspect.ismethod",
    "inspect.ismodule",
    "inspect.iscoroutinefunction",
    "inspect.cleandoc",
)
# Forbidding any of these forbids them all; at run time the probe switches autograd off.
AUTOGRAD = ("torch.autograd", "torch.func", "functorch", "Tensor.backward")


@dataclass(frozen=True)
class Violation:
    line: int
    name: str


def expand(forbid: list[str]) -> list[str]:
    """The manifest's list with what it implies: autograd by any of its front ends."""
    names = list(dict.fromkeys(forbid))
    if any(name in AUTOGRAD for name in names):
        names += [name for name in AUTOGRAD if name not in names]
    return names


def runtime_rules(forbid: list[str]) -> dict:
    """What the probe enforces inside the sandbox for these rules (empty without rules)."""
    if not forbid:
        return {}
    names = expand(forbid)
    return {
        "remove_builtins": sorted(DYNAMIC_BUILTINS),
        "replace": [name for name in names if name not in AUTOGRAD],
        "no_autograd": any(name in AUTOGRAD for name in names),
        "no_programs": True,
    }


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _contains(path: list[str], run: list[str]) -> bool:
    k = len(run)
    return any(path[i : i + k] == run for i in range(len(path) - k + 1))


def _module_at(path: str) -> types.ModuleType | None:
    """The module at a dotted path among modules already imported here; nothing is imported for it."""
    parts = path.split(".")
    value = sys.modules.get(parts[0])
    for part in parts[1:]:
        if not isinstance(value, types.ModuleType):
            return None
        value = vars(value).get(part)
    return value if isinstance(value, types.ModuleType) else None


def _bound_names(tree: ast.AST, classes: bool = True) -> set[str]:
    """Every name the module binds, in any scope (with classes=False: bound by anything but a class)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or (classes and isinstance(node, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names


def _own_attributes(tree: ast.AST) -> set[str]:
    """Attribute names the student's code gives its own values: methods, class attributes, `obj.NAME = ...`.

    A module-level `def softmax` is not one: nothing reaches it as `.softmax`.
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(statement.name)
                targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


class _Finder(ast.NodeVisitor):
    def __init__(self, forbid: list[str], tree: ast.AST):
        names = expand(forbid)
        self.paths = [name.split(".") for name in names]  # Tensor.X stays as ["Tensor", "X"]
        self.methods = {name.split(".", 1)[1] for name in names if name.startswith("Tensor.")}
        # A method the student defines may be called on their own objects; the probe guards the tensor's.
        self.allowed_methods = self.methods & _own_attributes(tree)
        self.bound = _bound_names(tree)
        # super(X, obj) is fine when X can only be one of the module's classes.
        classes = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        self.classes = classes - _bound_names(tree, classes=False)
        self.parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        self.roots = {"torch" if path[0] == "Tensor" else path[0] for path in self.paths}
        for root in self.roots:
            with contextlib.suppress(ImportError):  # the exercise's own packages (torch): know their modules
                importlib.import_module(root)
        # Every import, wherever it is: a function above an import still uses its alias.
        self.aliases: dict[str, str] = {}
        self.modules: set[str] = set()  # names bound by `import x` / `import x as y`: modules
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    name = alias.asname or alias.name.split(".")[0]
                    self.aliases[name] = alias.name if alias.asname else name
                    self.modules.add(name)
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name != "*":
                        self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
        self.found: list[Violation] = []

    def _flag(self, node: ast.AST, name: str) -> None:
        self.found.append(Violation(getattr(node, "lineno", 0), name))

    # --- imports ---------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_path(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:  # each full path covers its module's
            full = f"{module}.{alias.name}"
            if alias.name == "*":
                self._flag(node, full)
            else:
                self._check_path(node, full)

    # --- paths from an import ----------------------------------------------------------

    def _check_path(self, node: ast.AST, dotted: str) -> None:
        path = [p for p in dotted.split(".") if p]
        if not path:
            return
        listed = []
        for forbidden in self.paths:
            if _contains(path, forbidden):
                listed.append(".".join(forbidden))
        if not listed:
            # By its last name under the same package: torch.Tensor.softmax, torch.masked.softmax.
            for forbidden in self.paths:
                root = "torch" if forbidden[0] == "Tensor" else forbidden[0]
                if len(forbidden) > 1 and path[0] == root and forbidden[-1] in path[1:]:
                    listed.append(dotted)
                    break
        for name in listed:
            self._flag(node, name)
        safe = any(path[: s.count(".") + 1] == s.split(".") for s in SAFE_PATHS) or (
            path == ["inspect"] and isinstance(node, ast.Import)
        )
        if not safe and (path[0] in DYNAMIC_ROOTS or any(part in DYNAMIC_LEAVES for part in path[1:])):
            self._flag(node, dotted)
        for dynamic in DYNAMIC_PATHS:
            if _contains(path, dynamic.split(".")):
                self._flag(node, dynamic)
        # Private names under the exercise's own packages (torch._C, torch._softmax), or a private module.
        private = next((i for i, part in enumerate(path) if _is_private(part)), None)
        if private is not None and (private == 0 or path[0] in self.roots):
            self._flag(node, ".".join(path[: private + 1]))

    def _resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def _used_as_value(self, node: ast.AST, resolved: str) -> None:
        """A module bound to a variable or passed around would hide its attributes from these rules."""
        parent = self.parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return
        if not isinstance(getattr(node, "ctx", None), ast.Load):
            return
        if (isinstance(node, ast.Name) and self._bound_by_import(node.id)) or _module_at(resolved) is not None:
            self._flag(node, f"{resolved} as a value")

    def _bound_by_import(self, name: str) -> bool:
        return name in self.modules or _module_at(self.aliases.get(name, "")) is not None

    # --- names and attributes ------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in REFUSED_NAMES or (node.id in DYNAMIC_BUILTINS and node.id not in self.bound):
            self._flag(node, node.id)
        resolved = self.aliases.get(node.id)
        if resolved is not None and isinstance(node.ctx, ast.Load):
            self._check_path(node, resolved)
            self._used_as_value(node, resolved)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in REFUSED_ATTRIBUTES and not (node.attr == "__dict__" and self._only_written(node)):
            self._flag(node, node.attr)
        resolved = self._resolve(node)
        if resolved is not None:
            self._check_path(node, resolved)
            self._used_as_value(node, resolved)
            # The names inside were checked as part of this path.
            self._visit_base(node.value)
            return
        if node.attr in self.methods and node.attr not in self.allowed_methods:
            self._flag(node, f"Tensor.{node.attr}")
        if node.attr in DYNAMIC_LEAVES:
            self._flag(node, node.attr)
        self.generic_visit(node)

    def _visit_base(self, node: ast.AST) -> None:
        while isinstance(node, ast.Attribute):
            if node.attr in REFUSED_ATTRIBUTES and not (node.attr == "__dict__" and self._only_written(node)):
                self._flag(node, node.attr)
            node = node.value
        if isinstance(node, ast.Name) and (
            node.id in REFUSED_NAMES or (node.id in DYNAMIC_BUILTINS and node.id not in self.bound)
        ):
            self._flag(node, node.id)

    def _only_written(self, node: ast.Attribute) -> bool:
        """x.__dict__ = d, x.__dict__[k] = v, del x.__dict__[k], x.__dict__.update(...): nothing is read."""
        if not isinstance(node.ctx, ast.Load):
            return True
        parent = self.parents.get(node)
        if isinstance(parent, ast.Subscript) and parent.value is node:
            return not isinstance(parent.ctx, ast.Load)
        if isinstance(parent, ast.Attribute) and parent.attr == "update":
            call = self.parents.get(parent)
            return isinstance(call, ast.Call) and call.func is parent and isinstance(self.parents.get(call), ast.Expr)
        return False

    def visit_Call(self, node: ast.Call) -> None:
        # super(X, obj) starts the lookup after X: with X = torch.Tensor it skips what the probe guards.
        if isinstance(node.func, ast.Name) and node.func.id == "super" and (node.args or node.keywords):
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Name) and first.id in self.classes):
                self._flag(node, "super(...)")
        if any(keyword.arg == "eval_str" for keyword in node.keywords):
            self._flag(node, "eval_str")
        self.generic_visit(node)


def find_violations(source: str, forbid: list[str]) -> list[Violation]:
    """Forbidden names used in source, in order; [] when it does not parse (the probe reports that)."""
    if not forbid:
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    finder = _Finder(forbid, tree)
    finder.visit(tree)
    unique = {(v.line, v.name): v for v in finder.found}
    return sorted(unique.values(), key=lambda v: (v.line, v.name))
