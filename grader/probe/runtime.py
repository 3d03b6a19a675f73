"""The probe: runs INSIDE the sandbox, beside the student's code.

Two processes. The supervisor (PID 1 of the sandbox's PID namespace, so no
process inside can signal it) never runs student code: it forks a runner,
watches it, and forwards what it reports, one JSON line per case, to the
results channel, a pipe whose other end is outside the sandbox. The runner
imports `submission.py`, calls the function each case of `cases.json` names,
and writes each outcome to a pipe read only by the supervisor; it never holds
the results channel. If a case hangs past its budget, or the runner dies, the
supervisor records that for this case alone and starts a fresh runner at the
next case, so a bad case costs only its own check.

In an exercise with static rules, the runner also enforces them before it
loads the submission (`grader.static.runtime_rules` says how): what the rules
forbid becomes a stub that raises, the dynamic built-ins are absent from the
student's module, and where autograd is forbidden it is switched off.

The probe knows nothing of expected values: the judge, outside, compares what
comes back with the reference. Only the standard library and PyTorch are
imported here.
"""

import contextlib
import ctypes
import errno
import importlib.util
import json
import math
import os
import resource
import select
import signal
import sys
import time
import traceback
import types

# The same path on the cold path (bwrap) and the warm one (fork server).
WORKDIR = "/sandbox"
SUBMISSION = os.path.join(WORKDIR, "submission.py")
MAX_ELEMENTS = 1_000_000
MAX_RECORD_BYTES = 16 * 1024 * 1024
PR_SET_DUMPABLE = 4
PROGRESS_INTERVAL = 0.2


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


def _limit_hit(exc):
    """A resource limit, not a bug in the student's logic."""
    if isinstance(exc, MemoryError):
        return "memory_limit"
    if isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc):
        return "memory_limit"
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return "output_limit"  # CPython ignores SIGXFSZ, so the file-size limit shows up here
    return None


# --- rules: what the exercise forbids, unusable at run time too ----------------------


class NotAllowed(RuntimeError):
    """Raised by what the exercise's rules forbid."""


def _refusal(name):
    return NotAllowed(f"{name}: não é permitido neste exercício / is not allowed in this exercise")


def _refusing_function(name, module=None):
    def refused(*args, **kwargs):
        raise _refusal(name)

    refused.__name__ = refused.__qualname__ = name.rsplit(".", 1)[-1]
    if module is not None:  # where it lives: pickle finds it there, by reference, as it did the original
        refused.__module__ = module
    return refused


def _refusing_class(name):
    def __new__(cls, *args, **kwargs):
        raise _refusal(name)

    return type(name.rsplit(".", 1)[-1], (), {"__new__": __new__, "__module__": "not_allowed"})


# With autograd off nothing ever fills these: they stay usable.
_HARMLESS_WITHOUT_AUTOGRAD = frozenset({"grad", "requires_grad_", "retain_grad"})


def _replace_forbidden(names, torch, no_autograd):
    """Each forbidden function, class or tensor method becomes a stub where it is named and where it is defined.

    Not in every module that imports it: walking all of sys.modules costs ~12 ms in a fresh fork
    (every page it touches is copied), and the static rules already refuse other paths to it.
    """
    for name in names:
        parts = name.split(".")
        if parts[0] == "Tensor":
            attribute = parts[1]
            if no_autograd and attribute in _HARMLESS_WITHOUT_AUTOGRAD:
                continue
            original = getattr(torch.Tensor, attribute, None)
            if callable(original):
                setattr(torch.Tensor, attribute, _refusing_function(name))
            elif original is not None:  # a property: reading it raises
                setattr(torch.Tensor, attribute, property(_refusing_function(name)))
            continue
        parent, value = None, sys.modules.get(parts[0])
        for part in parts[1:]:
            parent, value = value, getattr(value, part, None)
        if value is None or isinstance(value, types.ModuleType):
            continue  # a module (torch.optim): the static rules refuse it; autograd's family is switched off below
        where = getattr(parent, "__name__", None) if isinstance(parent, types.ModuleType) else None
        stub = _refusing_class(name) if isinstance(value, type) else _refusing_function(name, where)
        home = sys.modules.get(getattr(value, "__module__", None) or "")
        for where in (parent, home):
            if where is not None and getattr(where, parts[-1], None) is value:
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(where, parts[-1], stub)


# A new program is a fresh interpreter, with none of these guards.
_PROGRAMS = {
    "os": (
        *("system", "popen", "posix_spawn", "posix_spawnp"),
        *("execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe"),
        *("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe"),
    ),
    "posix": ("system", "execv", "execve", "posix_spawn", "posix_spawnp"),
    "multiprocessing.util": ("spawnv_passfds",),  # the "spawn" and "forkserver" start methods
}


def _refuse_programs():
    import multiprocessing.util  # noqa: F401 - patched before the student's code can import it

    for module_name, names in _PROGRAMS.items():
        module = sys.modules.get(module_name)
        for name in names:
            if module is not None and hasattr(module, name):
                setattr(module, name, _refusing_function(f"{module_name}.{name}", module_name))


class _NoEngine:
    def __getattr__(self, name):
        raise _refusal("autograd")


def _switch_off_autograd(torch):
    """No graph is recorded, grad mode cannot be switched back on, and the engine's entry points refuse."""
    refused = _refusing_function("autograd")
    torch._C._set_grad_enabled(False)

    def set_grad_enabled(mode):
        if mode:
            raise _refusal("autograd (torch.enable_grad, torch.set_grad_enabled(True))")

    torch._C._set_grad_enabled = set_grad_enabled
    inference_mode = torch._C._InferenceMode

    def _InferenceMode(mode):  # inference_mode(False) would switch grad mode back on
        if not mode:
            raise _refusal("autograd (torch.inference_mode(False))")
        return inference_mode(mode)

    torch._C._InferenceMode = _InferenceMode
    import torch.autograd.forward_ad
    import torch.autograd.functional
    import torch.autograd.graph
    import torch.autograd.variable

    torch.Tensor.backward = _refusing_function("Tensor.backward")
    for module, names in (
        (torch.autograd, ("backward", "grad", "_engine_run_backward")),
        (torch.autograd.graph, ("_engine_run_backward",)),
        (torch.autograd.forward_ad, ("make_dual", "enter_dual_level")),
    ):
        for name in names:
            if hasattr(module, name):
                setattr(module, name, refused)
    predispatch = sys.modules.get("torch._functorch.predispatch")
    for name in ("_make_dual", "_enter_dual_level"):
        if predispatch is not None and hasattr(predispatch, name):
            setattr(predispatch, name, refused)
    torch.autograd.variable.Variable._execution_engine = _NoEngine()
    # A graph built in another thread (grad mode is per thread) stays out of reach.
    torch.Tensor.grad_fn = property(lambda self: None)
    torch.Tensor._grad_fn = property(lambda self: None)


def _enforce(rules, torch, module):
    if not rules:
        return
    _replace_forbidden(rules.get("replace", []), torch, rules.get("no_autograd", False))
    if rules.get("no_autograd"):
        _switch_off_autograd(torch)
    if rules.get("no_programs"):
        _refuse_programs()
    removed = set(rules.get("remove_builtins", []))
    if removed:
        import builtins

        # The module's own namespace only: a name it binds (`compile = False`) never falls back to these.
        module.__dict__["__builtins__"] = {k: v for k, v in vars(builtins).items() if k not in removed}


# --- runner: the only process that runs student code ------------------------------


def _runner(cases, start, channel, device, rules=None):
    def send(record):
        os.write(channel, (json.dumps(record, allow_nan=False) + "\n").encode())

    import torch

    # Where tensors should live: "cuda" on a GPU job with a GPU, else "cpu".
    os.environ["GRADER_DEVICE"] = device
    # Student code may `import grader_progress` (copied beside it) to report progress. It is loaded
    # from its path: the work directory, where the student's code can write, is not on sys.path.
    progress_path = os.path.join(WORKDIR, "grader_progress.py")
    if os.path.exists(progress_path):
        progress_spec = importlib.util.spec_from_file_location("grader_progress", progress_path)
        grader_progress = importlib.util.module_from_spec(progress_spec)
        progress_spec.loader.exec_module(grader_progress)
        sys.modules["grader_progress"] = grader_progress
        grader_progress._attach(channel)
    module_spec = importlib.util.spec_from_file_location("submission", SUBMISSION)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["submission"] = module
    _enforce(rules, torch, module)
    try:
        module_spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a student error too
        limit = _limit_hit(exc)
        send({"limit": limit} if limit else {"import_error": _error_record(exc)})
        return
    send({"imported": True})
    for case in cases[start:]:
        send({"start": case["id"]})
        record = {"id": case["id"]}
        function = getattr(module, case["call"], None)
        if not callable(function):
            record["missing"] = case["call"]
            send(record)
            continue
        try:
            args = [_decode(a, torch) for a in case.get("args", [])]
            kwargs = {k: _decode(v, torch) for k, v in case.get("kwargs", {}).items()}
            grad = case.get("grad")
            if grad:
                # Differentiate a weighted sum of the output with respect to some inputs:
                # the value sent back is [output, d/d args[i] for i in grad["wrt"]].
                for index in grad["wrt"]:
                    args[index] = args[index].detach().requires_grad_(True)
            result = function(*args, **kwargs)
            if grad:
                weights = _decode(grad["weights"], torch)
                if not isinstance(result, torch.Tensor) or result.shape != weights.shape:
                    record["value"] = _encode(result, torch)
                else:
                    (result * weights).sum().backward()
                    grads = [args[i].grad if args[i].grad is not None else torch.zeros(0) for i in grad["wrt"]]
                    record["value"] = _encode([result, *grads], torch)
            else:
                record["value"] = _encode(result, torch)
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit raised inside the function
            limit = _limit_hit(exc)
            if limit:
                record["limit"] = limit
            else:
                record["error"] = _error_record(exc)
        try:
            send(record)
        except (TypeError, ValueError):
            send({"id": case["id"], "invalid": "the value could not be encoded"})


# --- supervisor: never runs student code -------------------------------------------


class _Lines:
    """Reads JSON lines from a pipe with a deadline and a size cap."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b""
        self.eof = False

    def next(self, deadline):
        while b"\n" not in self.buffer:
            if self.eof:
                return "eof"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                return "timeout"
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                self.eof = True
                continue
            self.buffer += chunk
            if len(self.buffer) > MAX_RECORD_BYTES:
                return "too_large"
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            record = json.loads(line)
        except ValueError:
            return "garbled"
        return record if isinstance(record, dict) else "garbled"


def _end(pid):
    """Kill the runner if it still runs; its wait status and the CPU seconds it used."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    return status, usage.ru_utime + usage.ru_stime


def _limit_address_space(megabytes):
    """Allow `megabytes` of address space beyond what is mapped now (PyTorch loaded), for us and the runners.

    Relative, because a CUDA build of PyTorch maps gigabytes just by loading;
    an allocation past it fails at once with MemoryError instead of thrashing.
    Lowering a limit needs no privilege, and nothing can raise it again.
    """
    if megabytes <= 0:
        return
    with open("/proc/self/statm") as fh:
        mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    wanted = mapped + megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, wanted))


def supervise(spec, results_fd):
    # Not dumpable: a runner (same uid) cannot ptrace this process or write its memory.
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    cases = spec["cases"]
    # Every limit comes in the spec (grader.sandbox.limits.Limits.probe_spec): no default here could disagree.
    case_seconds = float(spec["case_seconds"])
    cpu_seconds = float(spec["cpu_seconds"])
    address_space_mb = int(spec["address_space_mb"])
    device = str(spec["device"])
    results = os.fdopen(results_fd, "w", buffering=1)

    def emit(record):
        results.write(json.dumps(record) + "\n")

    import torch  # noqa: F401 - loaded once here so each runner forks with it

    _limit_address_space(address_space_mb)

    last_progress = [0.0]
    held = [None]

    def forward_progress(event):
        # At most a few events a second leave the sandbox. One that comes too soon is held (the
        # next replaces it) and leaves before the runner's next record, so a run's last step is kept.
        now = time.monotonic()
        if not isinstance(event, dict):
            return
        if now - last_progress[0] >= PROGRESS_INTERVAL:
            last_progress[0] = now
            held[0] = None
            emit({"progress": event})
        else:
            held[0] = event

    def flush_progress():
        if held[0] is not None:
            last_progress[0] = time.monotonic()
            emit({"progress": held[0]})
            held[0] = None

    position = 0
    while True:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            os.close(results_fd)
            try:
                _runner(cases, position, write_end, device, spec.get("rules"))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)
        os.close(write_end)
        lines = _Lines(read_end)
        current = None
        imported = False
        problem = None
        deadline = time.monotonic() + case_seconds
        while True:
            record = lines.next(deadline)
            if isinstance(record, dict) and "progress" in record:
                forward_progress(record["progress"])
                continue
            flush_progress()
            deadline = time.monotonic() + case_seconds
            if isinstance(record, dict) and "start" in record and record["start"] == position:
                current = position
                continue
            if isinstance(record, dict) and ("imported" in record or "import_error" in record):
                imported = "imported" in record
                if not imported:
                    emit({"import_error": record["import_error"]})
                    break
                continue
            if isinstance(record, dict) and "limit" in record and current is None and not imported:
                emit({"fatal": str(record["limit"])})
                break
            if isinstance(record, dict) and record.get("id") == position and current == position:
                emit(record)
                position += 1
                current = None
                continue
            # Anything else ends this runner: a timeout, a crash, or a message out of turn.
            problem = record if isinstance(record, str) else "garbled"
            break
        status, cpu_used = _end(pid)
        os.close(read_end)
        how = _describe(problem, status, cpu_used, cpu_seconds)
        if not imported:
            if problem:
                emit({"fatal": how if how in ("timeout", "memory_limit", "output_limit") else "crashed"})
            break
        if position >= len(cases):
            break
        if current == position or problem:
            # This case hung or killed its runner: it alone fails; go on with a fresh runner.
            emit({"id": position, "died": how})
            position += 1
        if position >= len(cases):
            break
    emit({"done": True})
    results.flush()


def _describe(problem, status, cpu_used, cpu_limit):
    if problem == "timeout":
        return "timeout"
    if problem == "too_large":
        return "output_limit"
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        # SIGXCPU at the soft CPU limit, SIGKILL at the hard one for code that ignores it.
        if signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_used >= cpu_limit - 0.05):
            return "timeout"
        if signum == signal.SIGXFSZ:
            return "output_limit"
        return f"signal {signum}"
    return f"exit {os.waitstatus_to_exitcode(status)}"


def main(results_fd=None):
    if results_fd is None:
        results_fd = int(sys.argv[1])
    with open(os.path.join(WORKDIR, "cases.json"), encoding="utf-8") as fh:
        spec = json.load(fh)
    supervise(spec, results_fd)


if __name__ == "__main__":
    main()
