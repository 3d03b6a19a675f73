"""One result shape for both sandbox paths, and the error that means nothing ran."""

from __future__ import annotations

import signal
from dataclasses import dataclass


class SandboxUnavailable(RuntimeError):
    """No usable sandbox on this machine: code must not run."""


@dataclass
class SandboxRun:
    exit_code: int | None
    signal: int | None
    timed_out: bool
    output_exceeded: bool
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    duration_ms: int
    cpu_limit_ms: int = 0
    results: bytes = b""
    results_exceeded: bool = False
    out_of_memory: bool = False  # the job's memory cgroup hit its limit

    @property
    def file_too_large(self) -> bool:
        return self.signal == signal.SIGXFSZ

    @property
    def cpu_exceeded(self) -> bool:
        if self.signal == signal.SIGXCPU:
            return True
        # A process that ignores SIGXCPU meets the hard limit's SIGKILL a second
        # later; CPU time never exceeds wall time, so a kill that early was not it.
        return self.signal == signal.SIGKILL and self.duration_ms >= self.cpu_limit_ms
