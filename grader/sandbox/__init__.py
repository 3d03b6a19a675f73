"""The sandbox: where student code runs, built two ways with one set of limits, one filter and one result.

- `bwrap`: the cold path, a fresh bubblewrap sandbox per job (`run`).
- `forkserver` + `isolation`: the warm path, a child of a process that imported
  PyTorch once, isolated with namespaces, mounts and no capabilities.
- `limits`: `Limits` and their defaults, the one source for the manifest, both
  paths and the probe's spec.
- `capture`: the one bounded collector of stdout, stderr and the results channel.
- `result`: `SandboxRun`, the one result shape, and `SandboxUnavailable`.
- `seccomp`: the system-call filter installed on both paths, and the worker
  container's profile built from the same policy.
- `cgroups`: per-job memory and pids groups; `gpu`: device nodes and driver libraries;
  `layout`: what the sandbox looks like from inside.
"""

from grader.sandbox.bwrap import build_command, check_available, run
from grader.sandbox.gpu import gpu_devices, gpu_idle
from grader.sandbox.layout import IDENTITY, SANDBOX_DIR, python_roots
from grader.sandbox.limits import DEFAULT_LIMITS, Limits
from grader.sandbox.result import SandboxRun, SandboxUnavailable

__all__ = [
    "DEFAULT_LIMITS",
    "IDENTITY",
    "SANDBOX_DIR",
    "Limits",
    "SandboxRun",
    "SandboxUnavailable",
    "build_command",
    "check_available",
    "gpu_devices",
    "gpu_idle",
    "python_roots",
    "run",
]
