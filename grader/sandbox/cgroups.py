"""One control group per grading job, where the machine lets us make one.

A job's cgroup caps its memory (resident, not just address space) and its
number of processes and threads, which rlimits cannot do for a worker running
as root (the kernel exempts uid 0 from RLIMIT_NPROC). At the end every process
left in it is killed, wherever it went. cgroup v2 (unified) and v1 (separate
`memory` and `pids` hierarchies) are both handled; with neither writable,
`JobCgroup.create` returns None and the sandbox relies on rlimits alone.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


@dataclass(frozen=True)
class _Layout:
    version: int
    memory_parent: Path
    pids_parent: Path


def _own_v2_path() -> Path | None:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return ROOT / line[3:].lstrip("/")
    except OSError:
        return None
    return None


def _try_parent(parent: Path, name: str) -> bool:
    probe = parent / f"{name}-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
        return True
    except OSError:
        return False


@lru_cache(maxsize=1)
def _layout() -> _Layout | None:
    if os.environ.get("GRADER_CGROUPS", "1") == "0":
        return None
    memory_v1, pids_v1 = ROOT / "memory", ROOT / "pids"
    # (The root of a v1 pids hierarchy has no pids.max; its children do.)
    v1 = (memory_v1 / "memory.limit_in_bytes").exists() and (pids_v1 / "cgroup.procs").exists()
    if v1 and _try_parent(memory_v1, "grader") and _try_parent(pids_v1, "grader"):
        return _Layout(1, memory_v1, pids_v1)
    controllers = ROOT / "cgroup.controllers"
    if controllers.exists():
        own = _own_v2_path()
        # A v2 child group needs its parent to delegate memory and pids to it.
        for parent in filter(None, [own, ROOT]):
            try:
                enabled = (parent / "cgroup.subtree_control").read_text().split()
            except OSError:
                continue
            if {"memory", "pids"} <= set(enabled) and _try_parent(parent, "grader"):
                return _Layout(2, parent, parent)
    return None


def sweep(owner_is_gone) -> None:
    """Remove empty job cgroups whose creating process is gone (named grader-<pid>-<n>)."""
    layout = _layout()
    if layout is None:
        return
    for parent in {layout.memory_parent, layout.pids_parent}:
        for path in parent.glob("grader-*-*"):
            parts = path.name.split("-")
            if len(parts) == 3 and parts[1].isdigit() and owner_is_gone(int(parts[1])):
                JobCgroup([path], layout.version).destroy()


@dataclass
class JobCgroup:
    paths: list[Path]
    version: int

    @classmethod
    def create(cls, memory_mb: int, max_processes: int) -> JobCgroup | None:
        layout = _layout()
        if layout is None:
            return None
        name = f"grader-{os.getpid()}-{next(_counter)}"
        try:
            if layout.version == 2:
                path = layout.memory_parent / name
                path.mkdir()
                (path / "memory.max").write_text(str(memory_mb << 20))
                if (path / "memory.swap.max").exists():
                    (path / "memory.swap.max").write_text("0")
                (path / "pids.max").write_text(str(max_processes))
                return cls([path], 2)
            memory, pids = layout.memory_parent / name, layout.pids_parent / name
            memory.mkdir()
            pids.mkdir()
            (memory / "memory.limit_in_bytes").write_text(str(memory_mb << 20))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_mb << 20))
            (pids / "pids.max").write_text(str(max_processes))
            return cls([memory, pids], 1)
        except OSError:
            return None

    def set_limits(self, memory_mb: int, max_processes: int) -> None:
        """Set (or lower) the limits before the job's code runs."""
        if self.version == 2:
            (self.paths[0] / "memory.max").write_text(str(memory_mb << 20))
            (self.paths[0] / "pids.max").write_text(str(max_processes))
            return
        memory, pids = self.paths
        swap = memory / "memory.memsw.limit_in_bytes"
        # v1 refuses memory.limit_in_bytes above memsw, and memsw below memory: order matters.
        current = int((memory / "memory.limit_in_bytes").read_text())
        steps = [(memory / "memory.limit_in_bytes", memory_mb << 20)]
        if swap.exists():
            steps.append((swap, memory_mb << 20))
            if (memory_mb << 20) > current:
                steps.reverse()
        for path, value in steps:
            path.write_text(str(value))
        (pids / "pids.max").write_text(str(max_processes))

    @property
    def procs_files(self) -> list[str]:
        return [str(path / "cgroup.procs") for path in self.paths]

    def add(self, pid: int) -> None:
        for procs in self.procs_files:
            Path(procs).write_text(str(pid))

    def out_of_memory(self) -> bool:
        """Did the kernel refuse memory to, or kill, a process of this job?"""
        try:
            if self.version == 2:
                events = dict(line.split() for line in (self.paths[0] / "memory.events").read_text().splitlines())
                return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
            return int((self.paths[0] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.paths:
            with contextlib.suppress(OSError):
                found |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
        return found

    def destroy(self) -> None:
        """Kill whatever is left in the group, then remove it."""
        deadline = time.monotonic() + 5
        while (left := self.pids()) and time.monotonic() < deadline:
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        for path in self.paths:
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


def finish(cgroup: JobCgroup | None) -> bool:
    """Kill what is left of the job, remove its cgroup; whether it ran out of memory."""
    if cgroup is None:
        return False
    out_of_memory = cgroup.out_of_memory()
    cgroup.destroy()
    return out_of_memory
