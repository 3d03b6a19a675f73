"""The cold path: run a command inside a fresh bubblewrap sandbox, with limits, and capture what it did.

The sandbox sees a read-only system (`/usr`), the read-only Python environment
that runs the grader, and one private writable folder (`/sandbox`) that holds
the student's code and the probe. Every namespace is unshared, so there is no
network at all (only a private loopback), no view of host processes, and no
way to signal them. bwrap itself starts with an empty environment, because
its PID 1 inside keeps the environment it was started with. bwrap installs the
system-call filter (`grader.sandbox.seccomp`) just before it executes the
command.

Fail closed: when bwrap is missing, cannot create namespaces, or the filter
cannot be built, `run` raises `SandboxUnavailable` and nothing is executed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from functools import lru_cache
from pathlib import Path

from grader.sandbox import cgroups, gpu, seccomp
from grader.sandbox.capture import Capture
from grader.sandbox.layout import IDENTITY, SANDBOX_DIR, SANDBOX_UID, python_roots
from grader.sandbox.limits import Limits
from grader.sandbox.result import SandboxRun, SandboxUnavailable


def _bwrap_path() -> str | None:
    return os.environ.get("GRADER_BWRAP") or shutil.which("bwrap")


@lru_cache(maxsize=1)
def check_available() -> tuple[bool, str]:
    """Can this machine build a filtered sandbox? Cached: the answer does not change while a worker lives."""
    bwrap = _bwrap_path()
    if not bwrap:
        return False, "bubblewrap (bwrap) is not installed; install the Debian package 'bubblewrap'"
    try:
        program = seccomp.sandbox_bpf()
    except seccomp.SeccompUnavailable as exc:
        return False, f"no system-call filter, so no sandbox: {exc}"
    fd = seccomp.bpf_fd(program)
    try:
        probe = subprocess.run(
            [bwrap, *_base_args(), "--seccomp", str(fd), "--", "/usr/bin/true"],
            env={},
            capture_output=True,
            timeout=10,
            pass_fds=[fd],
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap could not start: {exc}"
    finally:
        os.close(fd)
    if probe.returncode != 0:
        return False, f"bwrap cannot create a sandbox here: {probe.stderr.decode(errors='replace').strip()}"
    return True, "ok"


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


def _gpu_args() -> list[str]:
    args: list[str] = []
    for device in gpu.gpu_devices():
        args += ["--dev-bind", device, device]
    for folder in gpu.gpu_read_only():
        args += ["--ro-bind", folder, folder]
    for key, value in gpu.gpu_environment().items():
        args += ["--setenv", key, value]
    return args


def build_command(workdir: Path, argv: list[str], limits: Limits, *, seccomp_fd: int, gpu: bool = False) -> list[str]:
    """The prlimit + bwrap command line; the sandboxed process is PID 1 of its namespace.

    seccomp_fd: a descriptor the command inherits, holding the compiled filter (`seccomp.bpf_fd`).
    """
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
        "--seccomp",
        str(seccomp_fd),
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
    command += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--", *argv]
    return command


def run(workdir: Path, argv: list[str], limits: Limits, gpu: bool = False, on_results=None) -> SandboxRun:
    """Run argv in a fresh sandbox rooted at workdir; the whole tree dies at the deadline.

    The number of a pipe's write end is appended to argv: the results channel,
    read here into `SandboxRun.results` (capped at limits.result_mb); on_results,
    if given, sees each chunk as it arrives (live progress).
    """
    ok, reason = check_available()
    if not ok:
        raise SandboxUnavailable(reason)
    try:
        program = seccomp.sandbox_bpf()
    except seccomp.SeccompUnavailable as exc:
        raise SandboxUnavailable(str(exc)) from exc
    pipes = [os.pipe() for _ in range(3)]  # stdout, stderr, results
    out_w, err_w, results_w = (w for _, w in pipes)
    filter_fd = seccomp.bpf_fd(program)
    command = build_command(workdir, [*argv, str(results_w)], limits, seccomp_fd=filter_fd, gpu=gpu)
    cgroup = cgroups.JobCgroup.create(limits.memory_mb, limits.max_processes)
    if cgroup:
        # The shell joins the job's cgroups, then becomes prlimit, then bwrap:
        # every process of the job is born inside them.
        join = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n-1)); done; exec "$@"'
        command = ["/bin/sh", "-c", join, "sh", str(len(cgroup.procs_files)), *cgroup.procs_files, *command]
    started = time.monotonic()
    capture = Capture(*(r for r, _ in pipes), limits, on_results)
    try:
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                env={},
                start_new_session=True,
                pass_fds=[results_w, filter_fd],
            )
        except OSError as exc:
            cgroups.finish(cgroup)
            raise SandboxUnavailable(f"the sandbox could not start: {exc}") from exc
        finally:
            for fd in (out_w, err_w, results_w, filter_fd):
                os.close(fd)

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        deadline = started + limits.wall_seconds
        capture.collect(deadline)
        if capture.timed_out or capture.over_limit:
            kill()
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            capture.timed_out = True
            kill()
            process.wait()
        # bwrap --die-with-parent and the PID namespace take everything inside with it;
        # killing the group again covers anything that escaped to our session.
        kill()
    finally:
        capture.close()
    out_of_memory = cgroups.finish(cgroup)
    return capture.run(process.returncode, int((time.monotonic() - started) * 1000), limits, out_of_memory)
