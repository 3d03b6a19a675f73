"""The probe: runs INSIDE the sandbox, beside the student's code.

It loads `submission.py`, calls the functions named by each case in
`cases.json` on the inputs given there, and writes one JSON line per case to
`out/results.jsonl`. It knows nothing of expected values: the judge, outside,
compares what comes back with the reference. Only the standard library and
PyTorch are imported, and nothing outside this file.
"""

import errno
import importlib.util
import json
import math
import os
import sys
import traceback

# The same path on the cold path (bwrap) and the warm one (fork server).
WORKDIR = "/sandbox"
SUBMISSION = os.path.join(WORKDIR, "submission.py")
MAX_ELEMENTS = 1_000_000


def _decode(value, torch):
    if isinstance(value, dict) and "__tensor__" in value:
        spec = value["__tensor__"]
        flat = torch.tensor(spec["data"], dtype=getattr(torch, spec["dtype"]))
        return flat.reshape(spec["shape"])
    if isinstance(value, list):
        return [_decode(v, torch) for v in value]
    return value


def _encode(value, torch):
    if isinstance(value, torch.Tensor):
        tensor = torch.Tensor.detach(value).to("cpu")
        if tensor.numel() > MAX_ELEMENTS:
            return {"__too_large__": {"numel": int(tensor.numel()), "shape": list(tensor.shape)}}
        flat = torch.Tensor.tolist(torch.Tensor.reshape(tensor, (-1,)))
        return {
            "__tensor__": {
                "dtype": str(tensor.dtype).replace("torch.", ""),
                "shape": list(tensor.shape),
                "data": [_json_number(x) for x in flat],
            }
        }
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return _json_number(value)
    if isinstance(value, (list, tuple)):
        return [_encode(v, torch) for v in value]
    return {"__unsupported__": type(value).__name__}


def _json_number(x):
    # JSON has no NaN or infinity: mark them so the judge can say so.
    if isinstance(x, float) and not math.isfinite(x):
        return {"__float__": repr(x)}
    return x


def _error_record(exc):
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == SUBMISSION  # only the student's own frames
    ]
    lines = traceback.format_list(frames[-8:])
    lines += traceback.format_exception_only(type(exc), exc)
    return {
        "type": [cls.__name__ for cls in type(exc).__mro__],
        "message": str(exc)[:500],
        "traceback": "".join(lines)[-4000:],
    }


def _fatal_status(exc):
    """A resource limit, not a bug in the student's logic: ends the whole run."""
    if isinstance(exc, MemoryError):
        return "memory_limit"
    if isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc):
        return "memory_limit"
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return "output_limit"  # CPython ignores SIGXFSZ, so the file-size limit shows up here
    return None


def main():
    with open(os.path.join(WORKDIR, "cases.json"), encoding="utf-8") as fh:
        spec = json.load(fh)
    out = open(os.path.join(WORKDIR, "out", "results.jsonl"), "w", encoding="utf-8", buffering=1)  # noqa: SIM115

    def emit(record):
        out.write(json.dumps(record, allow_nan=False) + "\n")
        out.flush()

    import torch

    module_spec = importlib.util.spec_from_file_location("submission", SUBMISSION)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["submission"] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a student error too
        fatal = _fatal_status(exc)
        if fatal:
            emit({"fatal": fatal})
            os._exit(3)
        emit({"import_error": _error_record(exc)})
        emit({"done": True})
        return

    for case in spec["cases"]:
        record = {"id": case["id"]}
        function = getattr(module, case["call"], None)
        if not callable(function):
            record["missing"] = case["call"]
            emit(record)
            continue
        try:
            args = [_decode(a, torch) for a in case.get("args", [])]
            kwargs = {k: _decode(v, torch) for k, v in case.get("kwargs", {}).items()}
            result = function(*args, **kwargs)
            record["value"] = _encode(result, torch)
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit raised inside the function
            fatal = _fatal_status(exc)
            if fatal:
                emit({"fatal": fatal})
                os._exit(3)
            record["error"] = _error_record(exc)
        emit(record)
    emit({"done": True})


if __name__ == "__main__":
    main()
