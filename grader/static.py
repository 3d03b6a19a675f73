"""Static rules on the student's source, checked outside the sandbox on its AST.

An exercise that asks students to implement something themselves (softmax
without `torch.softmax`) lists the forbidden names in its manifest:

    [code.static]
    forbid = ["torch.softmax", "torch.nn.functional.softmax", "Tensor.softmax"]

A dotted name is matched after resolving import aliases (`import torch as t`,
`from torch.nn import functional as F`, `from torch import softmax`).
`Tensor.NAME` matches any `.NAME` attribute that is not a module path, that
is, the method on a tensor. Because names can also be reached dynamically,
exercises with rules also forbid `getattr`, `eval`, `exec`, `__import__`,
`importlib` and friends.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

DYNAMIC = {
    "getattr",
    "eval",
    "exec",
    "compile",
    "__import__",
    "globals",
    "vars",
    "importlib",
    "__builtins__",
    "__dict__",
    "__getattribute__",
    "builtins",
}


@dataclass(frozen=True)
class Violation:
    line: int
    name: str


class _Finder(ast.NodeVisitor):
    def __init__(self, forbid: list[str]):
        self.exact = {name for name in forbid if not name.startswith("Tensor.")}
        self.methods = {name.split(".", 1)[1] for name in forbid if name.startswith("Tensor.")}
        self.aliases: dict[str, str] = {}
        self.found: list[Violation] = []

    def _flag(self, node: ast.AST, name: str) -> None:
        self.found.append(Violation(getattr(node, "lineno", 0), name))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] in DYNAMIC:
                self._flag(node, alias.name)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top
            if alias.name in self.exact:
                self._flag(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.split(".")[0] in DYNAMIC:
            self._flag(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if alias.name == "*" or full in self.exact or alias.name in DYNAMIC:
                self._flag(node, full)
            self.aliases[alias.asname or alias.name] = full

    def _resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in DYNAMIC:
            self._flag(node, node.id)
        resolved = self.aliases.get(node.id)
        if resolved in self.exact:
            self._flag(node, resolved)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # As attributes only the dunders reach around the rules (`torch.__dict__["softmax"]`);
        # `model.eval()` and `torch.compile` are ordinary methods, not the builtins.
        if node.attr in DYNAMIC and node.attr.startswith("__"):
            self._flag(node, node.attr)
        resolved = self._resolve(node)
        if resolved is not None:
            if resolved in self.exact:
                self._flag(node, resolved)
        elif node.attr in self.methods:
            self._flag(node, f"Tensor.{node.attr}")
        self.generic_visit(node)


def find_violations(source: str, forbid: list[str]) -> list[Violation]:
    """Forbidden names used in source, in order; [] when it does not parse (the probe reports that)."""
    if not forbid:
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    finder = _Finder(forbid)
    finder.visit(tree)
    unique = {(v.line, v.name): v for v in finder.found}
    return sorted(unique.values(), key=lambda v: (v.line, v.name))
