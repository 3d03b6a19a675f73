"""Run a command inside a bubblewrap sandbox, with limits, and capture what it did.

The sandbox sees a read-only system (`/usr`), the read-only Python environment
that runs the grader, and one private writable folder (`/sandbox`) that holds
the student's code and the probe. Every namespace is unshared, so there is no
network at all (only a private loopback), no view of host processes, and no
way to signal them. bwrap itself starts with an empty environment, because
its PID 1 inside keeps the environment it was started with.

Fail closed: when bwrap is missing or cannot create namespaces, `run` raises
`SandboxUnavailable` and nothing is executed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grader import cgroups

SANDBOX_DIR = "/sandbox"
# Past this many bytes on stdout+stderr the run is stopped (output_limit); the
# first `output_kb` are kept for the report either way.
OUTPUT_KILL_FACTOR = 16


class SandboxUnavailable(RuntimeError):
    """No usable sandbox on this machine: code must not run."""


@dataclass
class Limits:
    cpu_seconds: int = 10
    wall_seconds: int = 20
    # Memory: the job's memory cgroup where the machine allows one; for CPU jobs
    # also an address-space limit that the probe sets once PyTorch is loaded
    # (memory_mb on top of what is mapped then: a CUDA build of PyTorch maps
    # gigabytes just by loading). GPU jobs rely on the cgroup alone.
    memory_mb: int = 1536
    file_size_mb: int = 16
    open_files: int = 256
    output_kb: int = 64
    result_mb: int = 16
    # Enforced by the job's pids cgroup where there is one; RLIMIT_NPROC also
    # applies when the worker is not root (the kernel exempts uid 0 from it).
    max_processes: int = 64

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def as_rlimits(self) -> dict[str, int]:
        return {
            "cpu_seconds": self.cpu_seconds,
            "file_size_mb": self.file_size_mb,
            "open_files": self.open_files,
            "max_processes": self.max_processes,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Limits:
        known = {k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


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


# Who the sandboxed code is. There is no /etc/passwd inside: getpass.getuser()
# (PyTorch's compile caches ask for it) reads these instead of failing.
IDENTITY = {"HOME": SANDBOX_DIR, "USER": "nobody", "LOGNAME": "nobody"}


def _bwrap_path() -> str | None:
    return os.environ.get("GRADER_BWRAP") or shutil.which("bwrap")


@lru_cache(maxsize=1)
def check_available() -> tuple[bool, str]:
    """Can this machine build a sandbox? Cached: the answer does not change while a worker lives."""
    bwrap = _bwrap_path()
    if not bwrap:
        return False, "bubblewrap (bwrap) is not installed; install the Debian package 'bubblewrap'"
    try:
        probe = subprocess.run(
            [bwrap, *_base_args(), "--", "/usr/bin/true"],
            env={},
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap could not start: {exc}"
    if probe.returncode != 0:
        return False, f"bwrap cannot create a sandbox here: {probe.stderr.decode(errors='replace').strip()}"
    return True, "ok"


def python_roots() -> list[str]:
    """The folders the sandboxed interpreter needs: the venv and the base install."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    exe_dir = os.path.dirname(os.path.realpath(sys.executable))
    roots.add(os.path.dirname(exe_dir))
    # /usr is bound whole already.
    return sorted(r for r in roots if not (r == "/usr" or r.startswith("/usr/")))


def _base_args() -> list[str]:
    args = [
        "--unshare-all",  # user, ipc, pid, net, uts, cgroup namespaces
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--clearenv",
    ]
    for top in ("lib", "lib64", "lib32", "bin", "sbin"):
        path = f"/{top}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def gpu_devices() -> list[str]:
    """The NVIDIA device nodes, given only to jobs of the gpu queue (none if GRADER_NO_GPU is set)."""
    if os.environ.get("GRADER_NO_GPU"):
        return []
    return sorted(path for path in glob.glob("/dev/nvidia*") if not os.path.isdir(path))


def gpu_idle(timeout: float = 10.0) -> bool:
    """Wait until no process computes on the GPU (the last job's are gone); False if still busy.

    Each GPU worker takes one job at a time and owns its GPU (or MIG slice): a
    compute process still there after a job is a leftover, and the next job
    must not share the device with it.
    """
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            listed = subprocess.run(
                [smi, "--query-compute-apps=pid", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return False
        if not listed:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


# Where NVIDIA's container runtimes and distributions put the driver's user-space libraries.
DRIVER_LIBRARY_DIRS = (
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
)


@lru_cache(maxsize=1)
def gpu_library_dirs() -> tuple[str, ...]:
    """The folders holding the NVIDIA driver's libraries (libcuda.so.1 and its siblings).

    The sandbox has no /etc, so no ld.so.cache: a gpu job is told where the
    driver is through LD_LIBRARY_PATH, and folders outside /usr are bound
    read-only. The worker's LD_LIBRARY_PATH comes first, then ldconfig's cache,
    then the usual places. Empty on a machine without an NVIDIA GPU.
    """
    if not gpu_devices():
        return ()
    candidates = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    ldconfig = shutil.which("ldconfig") or ("/sbin/ldconfig" if os.path.exists("/sbin/ldconfig") else None)
    if ldconfig:
        try:
            listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            listing = ""
        for line in listing.splitlines():
            if line.strip().startswith("libcuda.so.1 ") and "=>" in line:
                candidates.append(os.path.dirname(line.split("=>", 1)[1].strip()))
    candidates += DRIVER_LIBRARY_DIRS
    found: list[str] = []
    for folder in candidates:
        real = os.path.realpath(folder)
        if real not in found and os.path.exists(os.path.join(real, "libcuda.so.1")):
            found.append(real)
    return tuple(found)


def gpu_environment() -> dict[str, str]:
    dirs = gpu_library_dirs()
    return {"LD_LIBRARY_PATH": ":".join(dirs)} if dirs else {}


def gpu_read_only() -> list[str]:
    """Driver folders a gpu job must see that the base layout does not already bind."""
    bound = ("/usr/", "/lib/", "/lib64/", "/lib32/")
    return [d for d in gpu_library_dirs() if not (d + "/").startswith(bound)]


def _gpu_args() -> list[str]:
    args: list[str] = []
    for device in gpu_devices():
        args += ["--dev-bind", device, device]
    for folder in gpu_read_only():
        args += ["--ro-bind", folder, folder]
    for key, value in gpu_environment().items():
        args += ["--setenv", key, value]
    return args


def build_command(workdir: Path, argv: list[str], limits: Limits, gpu: bool = False) -> list[str]:
    """The prlimit + bwrap command line; the sandboxed process is PID 1 of its namespace."""
    bwrap = _bwrap_path()
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed")
    command = [
        "prlimit",
        # Soft limit first (SIGXCPU), the hard one a second later (SIGKILL).
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--fsize={limits.file_size_mb * 1024 * 1024}",
        f"--nofile={limits.open_files}",
        f"--nproc={limits.max_processes}",
        "--core=0",
        "--",
        bwrap,
        *_base_args(),
        # No reaper: the probe's supervisor is PID 1 itself, which no process
        # inside the namespace can signal.
        "--as-pid-1",
    ]
    for root in python_roots():
        command += ["--ro-bind", root, root]
    command += ["--bind", str(workdir), SANDBOX_DIR, "--chdir", SANDBOX_DIR]
    if gpu:
        command += _gpu_args()
    environment = {
        "PATH": "/usr/bin:/bin",
        **IDENTITY,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        # One thread per job: several workers share a machine's cores.
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for key, value in environment.items():
        command += ["--setenv", key, value]
    # Inside, we are nobody: uid/gid 65534 in our own user namespace.
    command += ["--uid", "65534", "--gid", "65534", "--", *argv]
    return command


class CappedReader(threading.Thread):
    def __init__(self, stream, keep: int, on_overflow, kill_factor: int = OUTPUT_KILL_FACTOR, on_chunk=None):
        super().__init__(daemon=True)
        self.stream = stream
        self.on_chunk = on_chunk
        self.keep = keep
        self.kill_at = keep * kill_factor
        self.on_overflow = on_overflow
        self.data = bytearray()
        self.total = 0

    def run(self) -> None:
        while chunk := self.stream.read(65536):
            self.total += len(chunk)
            if self.on_chunk is not None:
                self.on_chunk(chunk)
            if len(self.data) < self.keep:
                self.data += chunk[: self.keep - len(self.data)]
            if self.total > self.kill_at:
                self.on_overflow()
                # Keep draining so the child never blocks on a full pipe.

    @property
    def truncated(self) -> bool:
        return self.total > self.keep


def run(workdir: Path, argv: list[str], limits: Limits, gpu: bool = False, on_results=None) -> SandboxRun:
    """Run argv in a fresh sandbox rooted at workdir; the whole tree dies at the deadline.

    The number of a pipe's write end is appended to argv: the results channel,
    read here into `SandboxRun.results` (capped at limits.result_mb); on_results,
    if given, sees each chunk as it arrives (live progress).
    """
    ok, reason = check_available()
    if not ok:
        raise SandboxUnavailable(reason)
    results_r, results_w = os.pipe()
    command = build_command(workdir, [*argv, str(results_w)], limits, gpu)
    cgroup = cgroups.JobCgroup.create(limits.memory_mb, limits.max_processes)
    if cgroup:
        # The shell joins the job's cgroups, then becomes prlimit, then bwrap:
        # every process of the job is born inside them.
        join = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n-1)); done; exec "$@"'
        command = ["/bin/sh", "-c", join, "sh", str(len(cgroup.procs_files)), *cgroup.procs_files, *command]
    started = time.monotonic()
    overflow = threading.Event()
    results_overflow = threading.Event()
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            start_new_session=True,
            pass_fds=[results_w],
        )
    finally:
        os.close(results_w)

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def on_overflow() -> None:
        overflow.set()
        kill()

    def on_results_overflow() -> None:
        results_overflow.set()
        kill()

    keep = limits.output_kb * 1024
    results = CappedReader(
        os.fdopen(results_r, "rb", buffering=0), limits.result_mb << 20, on_results_overflow, 1, on_results
    )
    readers = [CappedReader(process.stdout, keep, on_overflow), CappedReader(process.stderr, keep, on_overflow)]
    for reader in [*readers, results]:
        reader.start()
    timed_out = False
    try:
        process.wait(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill()
        process.wait()
    for reader in [*readers, results]:
        reader.join(timeout=5)
    # bwrap --die-with-parent and the PID namespace take everything inside with it;
    # killing the group again covers anything that escaped to our session.
    kill()
    out_of_memory = finish_cgroup(cgroup)
    duration_ms = int((time.monotonic() - started) * 1000)
    stdout, stderr = readers
    run = make_run(
        process.returncode, timed_out, overflow.is_set(), stdout, stderr, duration_ms, limits, results, results_overflow
    )
    run.out_of_memory = out_of_memory
    return run


def finish_cgroup(cgroup: cgroups.JobCgroup | None) -> bool:
    """Kill what is left of the job, remove its cgroup; whether it ran out of memory."""
    if cgroup is None:
        return False
    out_of_memory = cgroup.out_of_memory()
    cgroup.destroy()
    return out_of_memory


def make_run(
    code: int,
    timed_out: bool,
    output_exceeded: bool,
    stdout: CappedReader,
    stderr: CappedReader,
    duration_ms: int,
    limits: Limits,
    results: CappedReader,
    results_overflow: threading.Event,
) -> SandboxRun:
    """One result shape for the cold (bwrap) and warm (fork server) paths."""
    exit_code, sig = (None, -code) if code < 0 else (code, None)
    # bwrap, and the warm path likewise, report a child killed by a signal as exit status 128+N.
    if exit_code is not None and exit_code > 128 and not timed_out:
        sig = exit_code - 128
    return SandboxRun(
        exit_code=exit_code,
        signal=sig,
        timed_out=timed_out,
        output_exceeded=output_exceeded,
        stdout=stdout.data.decode("utf-8", errors="replace"),
        stderr=stderr.data.decode("utf-8", errors="replace"),
        stdout_truncated=stdout.truncated,
        stderr_truncated=stderr.truncated,
        duration_ms=duration_ms,
        cpu_limit_ms=limits.cpu_seconds * 1000,
        results=bytes(results.data),
        results_exceeded=results_overflow.is_set(),
    )
