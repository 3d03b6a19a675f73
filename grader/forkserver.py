"""Warm start: a parent that imported PyTorch once forks one sandboxed child per submission.

Importing PyTorch costs about a second of CPU; forking a process that already
imported it costs milliseconds. The fork server is a separate, fresh process
(`python -m grader.forkserver FD`, started by `ForkServer`) with an empty
environment. It imports torch and the probe but runs no PyTorch op, so no
thread pool exists when it forks. For each job it forks a child that isolates
itself (`grader.isolation.enter_sandbox`) before it touches student code, runs
the probe in-process, and exits. No two submissions share a process or a
writable file.

Protocol (one AF_UNIX SOCK_SEQPACKET connection, one job at a time):
client -> server: JSON {"workdir", "limits", "devices", "read_only"} with four
file descriptors: stdout, stderr, a "ready" pipe and the results channel;
server -> client: {"pid": N} once forked, then {"status": waitstatus} when done.
The child writes one byte to "ready" once it is isolated and closes it before
running student code, so a child that never got isolated is a sandbox error,
whatever it printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from grader import cgroups, sandbox

READY = b"R"
RESULTS_FD = 4
MAX_FD = 4096


# --- server (runs in its own process) ---------------------------------------------


def _child(job: dict, fds: list[int], new_root: str) -> None:
    """In the forked child: isolate, then run the probe. Never returns."""
    from grader import isolation
    from grader.probe import runtime

    out, err, ready, results = fds
    try:
        os.setsid()
        for procs in job.get("cgroup_procs", []):
            with open(procs, "w") as fh:  # before any other process of the job exists
                fh.write(str(os.getpid()))
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.dup2(ready, 3)  # over the server's socket
        os.dup2(results, RESULTS_FD)
        os.closerange(RESULTS_FD + 1, MAX_FD)
        layout = isolation.Layout(
            new_root=new_root, workdir=job["workdir"], read_only=job["read_only"], devices=job["devices"]
        )
        isolation.enter_sandbox(layout, job["limits"])
        os.write(3, READY)
        os.close(3)
    except BaseException:  # noqa: BLE001 - report why isolation failed; never run unisolated
        with contextlib.suppress(OSError):
            os.write(2, traceback.format_exc().encode())
        os._exit(125)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.argv = ["/sandbox/_probe.py"]
    sys.path[:] = [p for p in sys.path if p.startswith(tuple(job["read_only"]) + ("/usr",))]
    code = 0
    if job.get("kind") != "selftest":
        try:
            runtime.main(RESULTS_FD)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - a crash of the probe itself
            traceback.print_exc()
            code = 1
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def serve(fd: int) -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch  # noqa: F401 - the whole point: imported once, before any fork

    from grader import isolation  # noqa: F401
    from grader.probe import runtime  # noqa: F401

    conn = socket.socket(fileno=fd)
    new_root = tempfile.mkdtemp(prefix="grader-root-")
    conn.send(json.dumps({"ready": True}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(conn, 65536, 4)
        except (ConnectionError, OSError):
            break
        if not message:
            break
        job = json.loads(message)
        pid = os.fork()
        if pid == 0:
            conn.close()
            _child(job, fds, new_root)
        for passed in fds:
            os.close(passed)
        conn.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        conn.send(json.dumps({"status": status}).encode())
    with contextlib.suppress(OSError):
        os.rmdir(new_root)


# --- client (runs in the grading worker) -----------------------------------------


class ForkServerError(RuntimeError):
    pass


class ForkServer:
    """Owns one fork server process; `run` has the same contract as `sandbox.run`."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.conn: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self, timeout: float = 60) -> None:
        if self.alive:
            return
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        environment["PYTHONPATH"] = root
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.forkserver", str(child.fileno())],
            pass_fds=[child.fileno()],
            env=environment,
            cwd="/",
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        child.close()
        parent.settimeout(timeout)
        try:
            hello = parent.recv(65536)
        except TimeoutError as exc:
            self.stop()
            raise ForkServerError("fork server did not start") from exc
        if not hello:
            self.stop()
            raise ForkServerError("fork server exited at start")
        self.conn = parent
        # Prove that isolation works here before taking any student code.
        with tempfile.TemporaryDirectory(prefix="grade-selftest-") as workdir:
            try:
                run = self._run(workdir, sandbox.Limits(wall_seconds=30), False, "selftest")
            except (sandbox.SandboxUnavailable, OSError, ValueError) as exc:
                self.stop()
                raise ForkServerError(f"warm sandbox cannot isolate here: {exc}") from exc
        if run.exit_code != 0:
            self.stop()
            raise ForkServerError(f"warm sandbox self-test failed: {run.stderr.strip()[-500:]}")

    def stop(self) -> None:
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.conn is not None

    def run(self, workdir, argv, limits: sandbox.Limits, gpu: bool = False, on_results=None) -> sandbox.SandboxRun:
        with self.lock:
            if not self.alive:
                self.stop()
                try:
                    self.start()
                except (ForkServerError, OSError) as exc:
                    raise sandbox.SandboxUnavailable(str(exc)) from exc
            try:
                return self._run(str(workdir), limits, gpu, "grade", on_results)
            except (OSError, ForkServerError, ValueError) as exc:
                self.stop()  # a broken server is replaced on the next job
                raise sandbox.SandboxUnavailable(f"fork server failed: {exc}") from exc

    def _run(self, workdir: str, limits: sandbox.Limits, gpu: bool, kind: str, on_results=None) -> sandbox.SandboxRun:
        assert self.conn is not None
        cgroup = cgroups.JobCgroup.create(limits.memory_mb, limits.max_processes)
        job = {
            "kind": kind,
            "workdir": workdir,
            "limits": limits.as_rlimits(),
            "read_only": sandbox.python_roots(),
            "devices": sandbox.gpu_devices() if gpu else [],
            "cgroup_procs": cgroup.procs_files if cgroup else [],
        }
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        ready_r, ready_w = os.pipe()
        results_r, results_w = os.pipe()
        started = time.monotonic()
        try:
            socket.send_fds(self.conn, [json.dumps(job).encode()], [out_w, err_w, ready_w, results_w])
        finally:
            for fd in (out_w, err_w, ready_w, results_w):
                os.close(fd)
        pid = None
        overflow = threading.Event()
        results_overflow = threading.Event()

        def kill() -> None:
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

        def on_overflow() -> None:
            overflow.set()
            kill()

        def on_results_overflow() -> None:
            results_overflow.set()
            kill()

        keep = limits.output_kb * 1024
        stdout = sandbox.CappedReader(os.fdopen(out_r, "rb", buffering=0), keep, on_overflow)
        stderr = sandbox.CappedReader(os.fdopen(err_r, "rb", buffering=0), keep, on_overflow)
        results = sandbox.CappedReader(
            os.fdopen(results_r, "rb", buffering=0), limits.result_mb << 20, on_results_overflow, 1, on_results
        )
        for reader in (stdout, stderr, results):
            reader.start()
        try:
            self.conn.settimeout(10)
            reply = json.loads(self.conn.recv(65536) or b"null")
            if not isinstance(reply, dict) or "pid" not in reply:
                raise ForkServerError("no pid from fork server")
            pid = reply["pid"]
            timed_out = False
            self.conn.settimeout(limits.wall_seconds)
            try:
                message = self.conn.recv(65536)
            except TimeoutError:
                timed_out = True
                kill()
                self.conn.settimeout(10)
                message = self.conn.recv(65536)
            reply = json.loads(message or b"null")
            if not isinstance(reply, dict) or "status" not in reply:
                raise ForkServerError("fork server died during a job")
        finally:
            for reader in (stdout, stderr, results):
                reader.join(timeout=5)
            out_of_memory = sandbox.finish_cgroup(cgroup)
        readable, _, _ = select.select([ready_r], [], [], 0)
        isolated = bool(readable) and os.read(ready_r, 1) == READY
        os.close(ready_r)
        if not isolated:
            raise sandbox.SandboxUnavailable(
                "warm sandbox could not isolate the job: " + stderr.data.decode(errors="replace")[-500:]
            )
        run = sandbox.make_run(
            os.waitstatus_to_exitcode(reply["status"]),
            timed_out,
            overflow.is_set(),
            stdout,
            stderr,
            int((time.monotonic() - started) * 1000),
            limits,
            results,
            results_overflow,
        )
        run.out_of_memory = out_of_memory
        return run


if __name__ == "__main__":
    serve(int(sys.argv[1]))
