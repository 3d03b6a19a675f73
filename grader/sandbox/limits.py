"""The sandbox's limits and their defaults: the one place they are written down.

Exercise manifests override some of them (`[code.limits]`, `[code.gpu_limits]`,
validated by `grader.manifest`); every other default comes from `Limits` here.
The cold path (bwrap), the warm path (the fork server) and the probe inside
the sandbox all read the same `Limits`: the probe, which cannot import the
grader, gets its share in the job's spec (`Limits.probe_spec`) and has no
default of its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class Limits:
    cpu_seconds: int = 10  # per process: each runner the probe starts gets its own
    wall_seconds: int = 20  # the whole sandbox
    case_seconds: int = 5  # one call of the student's function (the probe's budget per case)
    # Memory: the job's memory cgroup where the machine allows one; for CPU jobs
    # also an address-space limit that the probe sets once PyTorch is loaded
    # (memory_mb on top of what is mapped then: a CUDA build of PyTorch maps
    # gigabytes just by loading). GPU jobs rely on the cgroup alone.
    memory_mb: int = 1536
    # Enforced by the job's pids cgroup where there is one; RLIMIT_NPROC also
    # applies when the worker is not root (the kernel exempts uid 0 from it).
    max_processes: int = 64
    file_size_mb: int = 16
    open_files: int = 256
    output_kb: int = 64  # stdout and stderr kept for the report
    result_mb: int = 16  # data the probe may send back

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def as_rlimits(self) -> dict[str, int]:
        return {
            "cpu_seconds": self.cpu_seconds,
            "file_size_mb": self.file_size_mb,
            "open_files": self.open_files,
            "max_processes": self.max_processes,
        }

    def probe_spec(self, address_space: bool = True) -> dict[str, int]:
        """The limits the probe enforces itself, for its spec (`cases.json`); it has no defaults.

        address_space=False for GPU jobs: CUDA reserves vast virtual address
        ranges, so they run on the memory cgroup alone.
        """
        return {
            "case_seconds": self.case_seconds,
            "cpu_seconds": self.cpu_seconds,
            "address_space_mb": self.memory_mb if address_space else 0,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Limits:
        """Known keys as ints; the others keep their defaults."""
        known = {k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


# What the manifest's limit fields are and default to (grader.manifest), as a plain dict.
DEFAULT_LIMITS: dict[str, int] = Limits().as_dict()
# The keys of `Limits.probe_spec`: what the probe reads from its spec, never with a default.
PROBE_LIMITS = tuple(Limits().probe_spec())
