"""Warm start: a parent that imported PyTorch once forks one sandboxed child per submission.

Importing PyTorch costs about a second of CPU; forking a process that already
imported it costs a few milliseconds. The fork server is a separate, fresh
process (`python -m grader.sandbox.forkserver FD`, started by `ForkServer`) with an
empty environment. It imports torch and the probe but runs no PyTorch op, so no
thread pool exists when it forks.

It keeps one child *prepared*: forked and already isolated
(`grader.sandbox.isolation.enter_sandbox`: namespaces, mounts around a fresh
work directory, no capabilities, no_new_privs) and filtered (the system-call
filter of `grader.sandbox.seccomp`, compiled once by the server), waiting for
its one job. So the fork and the
isolation happen while the worker is idle, not while a student waits. A
prepared child is used once: no two submissions share a process or a writable
file. GPU jobs get a child prepared on demand, with the device nodes.

Protocol (AF_UNIX SOCK_SEQPACKET, one job at a time):
  client -> server  {"kind", "limits", "gpu"} with fds: stdout, stderr, results
  server -> client  {"workdir", "pid"}       the child is isolated; write the job's files there
  client -> server  {"go": true}
  server -> client  {"status", "out_of_memory"} once the child has exited
  (or {"error": "..."} instead of the first reply if no child could be isolated)
The client may stop waiting once the results channel says "done"; it reads the
status before sending its next job.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass

from grader.sandbox import cgroups, gpu, seccomp
from grader.sandbox.capture import Capture
from grader.sandbox.layout import IDENTITY, python_roots
from grader.sandbox.limits import Limits
from grader.sandbox.result import SandboxRun, SandboxUnavailable

RESULTS_FD = 4
MAX_FD = 4096
PREPARE_TIMEOUT = 30


# --- server (runs in its own process) ---------------------------------------------


def _in_child(
    control: socket.socket, workdir: str, new_root: str, read_only: list[str], devices: list[str], program: bytes
) -> None:
    """The prepared child: isolate, filter, wait for the job, run the probe. Never returns."""
    from grader.probe import runtime
    from grader.sandbox import isolation

    try:
        os.setsid()
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        fd = control.detach()  # the old object must never close a reused descriptor
        os.dup2(fd, 3)
        os.closerange(4, MAX_FD)  # the server's own socket among them
        control = socket.socket(fileno=3)
        layout = isolation.Layout(new_root=new_root, workdir=workdir, read_only=read_only, devices=devices)
        isolation.enter_sandbox(layout)  # returns in the sandbox's PID 1, capabilities gone, no_new_privs set
        # From here on, the system-call filter: what this process does next (wait for the job,
        # take its descriptors, set its limits, run the probe) needs nothing it refuses.
        seccomp.install(program)
        os.environ.update(IDENTITY)
        control.send(b"ready")
        message, fds, _, _ = socket.recv_fds(control, 65536, 3)
        if not message:
            os._exit(0)  # the server is done with us
        job = json.loads(message)
        out, err, results = fds
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.dup2(results, RESULTS_FD)
        control.close()  # fd 3: nothing inside can reach the server
        os.closerange(RESULTS_FD + 1, MAX_FD)
        isolation.set_limits(job["limits"])
    except BaseException:  # noqa: BLE001 - report why; never run unisolated
        with contextlib.suppress(Exception):
            control.send(b"failed: " + traceback.format_exc()[-2000:].encode())
        os._exit(125)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.argv = ["/sandbox/_probe.py"]
    sys.path[:] = [p for p in sys.path if p.startswith((*read_only, "/usr"))]
    code = 0
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


@dataclass
class _Prepared:
    pid: int
    control: socket.socket
    workdir: str
    cgroup: cgroups.JobCgroup | None
    error: str = ""

    def wait_ready(self) -> bool:
        self.control.settimeout(PREPARE_TIMEOUT)
        try:
            message = self.control.recv(65536)
        except TimeoutError:
            message = b"failed: isolation timed out"
        if message == b"ready":
            return True
        self.error = message.decode(errors="replace") or "the child exited while isolating"
        return False

    def discard(self) -> tuple[int, bool]:
        """Reap the child, kill what is left of it, remove its files; (wait status, out of memory)."""
        self.control.close()
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(self.pid, 0)
            return status, self._clean()
        return 0, self._clean()

    def _clean(self) -> bool:
        out_of_memory = cgroups.finish(self.cgroup)
        shutil.rmtree(self.workdir, ignore_errors=True)
        return out_of_memory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_leftovers() -> None:
    """Remove work dirs and cgroups left by fork servers that died without cleaning up."""
    import glob

    for path in glob.glob(os.path.join(tempfile.gettempdir(), "grade[r-]*-*")):
        parts = os.path.basename(path).split("-")
        owner = next((int(p) for p in parts if p.isdigit()), None)
        if owner and owner != os.getpid() and not _alive(owner):
            shutil.rmtree(path, ignore_errors=True)
    cgroups.sweep(lambda pid: pid != os.getpid() and not _alive(pid))


class _Server:
    def __init__(self, conn: socket.socket):
        # Compiled once, installed by every child: a server that cannot build it never starts.
        self.program = seccomp.sandbox_bpf()
        self.conn = conn
        sweep_leftovers()
        self.new_root = tempfile.mkdtemp(prefix=f"grader-root-{os.getpid()}-")
        self.read_only = python_roots()
        self.defaults = Limits()
        self.prepared: _Prepared | None = None

    def prepare(self, devices: list[str]) -> _Prepared:
        workdir = tempfile.mkdtemp(prefix=f"grade-{os.getpid()}-")
        cgroup = cgroups.JobCgroup.create(self.defaults.memory_mb, self.defaults.max_processes)
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            parent_end.close()
            if cgroup:
                cgroup.add(os.getpid())  # before any other process of the job exists
            read_only = self.read_only + (gpu.gpu_read_only() if devices else [])
            _in_child(child_end, workdir, self.new_root, read_only, devices, self.program)
        child_end.close()
        return _Prepared(pid, parent_end, workdir, cgroup)

    def serve(self) -> None:
        self.conn.send(json.dumps({"ready": True}).encode())
        self.prepared = self.prepare([])
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self.conn, 65536, 3)
            except OSError:
                break
            if not message:
                break
            job = json.loads(message)
            devices = gpu.gpu_devices() if job.get("gpu") else []
            if devices:
                child = self.prepare(devices)
            else:
                child, self.prepared = self.prepared or self.prepare([]), None
            try:
                self.run(child, job, fds)
            except OSError:
                break  # the client went away mid-job
            finally:
                for fd in fds:
                    os.close(fd)
            if self.prepared is None:
                self.prepared = self.prepare([])  # while the client reads its results
        if self.prepared:
            self.prepared.discard()
        with contextlib.suppress(OSError):
            os.rmdir(self.new_root)

    def run(self, child: _Prepared, job: dict, fds: list[int]) -> None:
        if not child.wait_ready():
            child.discard()
            self.conn.send(json.dumps({"error": child.error[-2000:]}).encode())
            return
        limits = Limits.from_dict(job["limits"])
        if child.cgroup:
            child.cgroup.set_limits(limits.memory_mb, limits.max_processes)
        self.conn.send(json.dumps({"workdir": child.workdir, "pid": child.pid}).encode())
        go = self.conn.recv(65536)
        if go and json.loads(go).get("go"):
            socket.send_fds(child.control, [json.dumps({"limits": limits.as_rlimits()}).encode()], fds)
        else:
            os.kill(child.pid, signal.SIGKILL)
        status, out_of_memory = child.discard()
        self.conn.send(json.dumps({"status": status, "out_of_memory": out_of_memory}).encode())


def serve(fd: int) -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch  # noqa: F401 - the whole point: imported once, before any fork

    from grader.probe import runtime  # noqa: F401
    from grader.sandbox import isolation  # noqa: F401

    _Server(socket.socket(fileno=fd)).serve()


# --- client (runs in the grading worker) -----------------------------------------


class ForkServerError(RuntimeError):
    pass


class ForkServer:
    """Owns one fork server process; `run` has the same contract as the cold path's `bwrap.run`."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.conn: socket.socket | None = None
        self.lock = threading.Lock()
        self.status_pending = False

    def start(self, timeout: float = 60) -> None:
        if self.alive:
            return
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        environment["PYTHONPATH"] = root
        # The dynamic loader reads LD_LIBRARY_PATH once, at start: a gpu child finds the driver through it.
        environment.update(gpu.gpu_environment())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.forkserver", str(child.fileno())],
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
        self.status_pending = False
        # Prove that isolation works here before taking any student code.
        try:
            run = self._run({"cases": []}, Limits(wall_seconds=30), False, None)
        except (SandboxUnavailable, OSError, ValueError) as exc:
            self.stop()
            raise ForkServerError(f"warm sandbox cannot isolate here: {exc}") from exc
        if b'{"done": true}' not in run.results:
            self.stop()
            raise ForkServerError(f"warm sandbox self-test failed: {run.stderr.strip()[-500:]}")

    def stop(self) -> None:
        """Close the connection (the server cleans up and exits), then make sure it is gone."""
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.process and self.process.poll() is None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.conn is not None

    def run(self, workdir, argv, limits: Limits, gpu: bool = False, on_results=None) -> SandboxRun:
        """Run the job whose files are in workdir (copied into the prepared child's own work dir)."""
        with self.lock:
            if not self.alive:
                self.stop()
                try:
                    self.start()
                except (ForkServerError, OSError) as exc:
                    raise SandboxUnavailable(str(exc)) from exc
            try:
                files = {
                    name: (workdir / name).read_bytes()
                    for name in os.listdir(workdir)
                    if (workdir / name).is_file() and not (workdir / name).is_symlink()
                }
                return self._run(files, limits, gpu, on_results)
            except (OSError, ForkServerError, ValueError) as exc:
                self.stop()  # a broken server is replaced on the next job
                raise SandboxUnavailable(f"fork server failed: {exc}") from exc

    def _recv(self, timeout: float) -> dict:
        assert self.conn is not None
        self.conn.settimeout(timeout)
        message = self.conn.recv(65536)
        if not message:
            raise ForkServerError("fork server closed the connection")
        reply = json.loads(message)
        if not isinstance(reply, dict):
            raise ForkServerError("unexpected reply from fork server")
        return reply

    def _collect_status(self, timeout: float = 30) -> dict:
        if not self.status_pending:
            return {}
        reply = self._recv(timeout)
        self.status_pending = False
        if "status" not in reply:
            raise ForkServerError(f"expected a status, got {reply}")
        return reply

    def _run(self, files, limits: Limits, gpu: bool, on_results) -> SandboxRun:
        assert self.conn is not None
        self._collect_status()  # the previous job's, if we left early
        if isinstance(files, dict) and "cases" in files:  # the self-test: an empty job
            spec = {**files, "device": "cpu", **limits.probe_spec()}
            files = {"cases.json": json.dumps(spec).encode(), "submission.py": b""}
        pipes = [os.pipe() for _ in range(3)]  # stdout, stderr, results
        started = time.monotonic()
        try:
            request = {"kind": "grade", "limits": limits.as_dict(), "gpu": gpu}
            socket.send_fds(self.conn, [json.dumps(request).encode()], [w for _, w in pipes])
        finally:
            for _, w in pipes:
                os.close(w)
        capture = Capture(*(r for r, _ in pipes), limits, on_results)
        try:
            reply = self._recv(PREPARE_TIMEOUT + 10)
            if "error" in reply:
                self.status_pending = False
                raise SandboxUnavailable(f"warm sandbox could not isolate the job: {reply['error']}")
            self.status_pending = True
            workdir = reply["workdir"]
            for name, data in files.items():
                with open(os.path.join(workdir, name), "wb") as fh:
                    fh.write(data)
            self.conn.send(json.dumps({"go": True}).encode())
            return self._watch(reply["pid"], capture, limits, started)
        finally:
            capture.close()

    def _watch(self, pid: int, capture: Capture, limits: Limits, started: float) -> SandboxRun:
        """Read stdout, stderr and results until the probe is done, the child exits, or time is up."""
        capture.collect(started + limits.wall_seconds, until_done=True)
        results = capture.results.data
        clean = capture.done and not (b'"died"' in results or b'"limit"' in results or b'"fatal"' in results)
        if clean and not capture.over_limit:
            # The probe finished and nothing died: take the output already written, and
            # let the teardown finish while we judge (its status is read before the next job).
            capture.drain_output()
            code, out_of_memory = 0, False
        else:
            if capture.timed_out or capture.over_limit:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            reply = self._collect_status(limits.wall_seconds + 30)
            code = os.waitstatus_to_exitcode(reply["status"])
            out_of_memory = bool(reply.get("out_of_memory"))
        return capture.run(code, int((time.monotonic() - started) * 1000), limits, out_of_memory)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
