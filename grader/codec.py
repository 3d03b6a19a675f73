"""Data across the sandbox wall: tensors as plain JSON, validated on the way out.

Nothing that leaves the sandbox is ever unpickled or executed: it is JSON lines
from the results pipe (size-capped by the reader), and every tensor is rebuilt
here from a dtype on an allow-list, a shape and a flat list of numbers. No file
the sandbox wrote is ever read.
"""

from __future__ import annotations

import json
import math
from typing import Any

import torch

ALLOWED_DTYPES = {"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"}
MAX_ELEMENTS = 1_000_000


class InvalidOutput(ValueError):
    pass


def encode(value: Any) -> Any:
    """Inputs for the probe: tensors become {"__tensor__": {...}}."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        return {
            "__tensor__": {
                "dtype": str(tensor.dtype).replace("torch.", ""),
                "shape": list(tensor.shape),
                "data": tensor.reshape(-1).tolist(),
            }
        }
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def _number(x: Any) -> float | int:
    if isinstance(x, dict) and set(x) == {"__float__"} and x["__float__"] in ("nan", "inf", "-inf"):
        return float(x["__float__"])
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise InvalidOutput(f"not a number: {type(x).__name__}")
    return x


def _truth(x: Any) -> bool:
    """An element of a bool tensor (`x > 0`, `torch.tensor(True)`): true or false, nothing else."""
    if not isinstance(x, bool):
        raise InvalidOutput(f"not a truth value: {type(x).__name__}")
    return x


def decode_output(value: Any, depth: int = 0) -> Any:
    """Rebuild a value from the probe's JSON, refusing anything unexpected."""
    if depth > 8:
        raise InvalidOutput("nested too deeply")
    if isinstance(value, dict):
        if "__tensor__" in value:
            spec = value["__tensor__"]
            if not isinstance(spec, dict):
                raise InvalidOutput("malformed tensor")
            dtype, shape, data = spec.get("dtype"), spec.get("shape"), spec.get("data")
            if dtype not in ALLOWED_DTYPES:
                raise InvalidOutput(f"dtype {dtype!r} not allowed")
            if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
                raise InvalidOutput("malformed shape")
            if not isinstance(data, list) or math.prod(shape) != len(data) or len(data) > MAX_ELEMENTS:
                raise InvalidOutput("shape and data do not match")
            numbers = [_truth(x) for x in data] if dtype == "bool" else [_number(x) for x in data]
            return torch.tensor(numbers, dtype=getattr(torch, dtype)).reshape(shape)
        if "__too_large__" in value:
            raise InvalidOutput(f"tensor too large ({value['__too_large__'].get('numel')} elements)")
        if "__unsupported__" in value:
            raise InvalidOutput(f"returned a {str(value['__unsupported__'])[:60]}, not a tensor or number")
        if "__float__" in value:
            return _number(value)
        raise InvalidOutput("unexpected object")
    if isinstance(value, list):
        if len(value) > MAX_ELEMENTS:
            raise InvalidOutput("list too long")
        return [decode_output(v, depth + 1) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise InvalidOutput(f"unexpected {type(value).__name__}")


def parse_results(raw: bytes) -> list[dict]:
    records = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line from a killed process
        if isinstance(record, dict):
            records.append(record)
    return records
