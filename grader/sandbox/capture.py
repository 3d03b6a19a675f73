"""The one bounded collector of what a sandboxed job writes, used by both paths.

A job has three pipes out: stdout, stderr and the results channel (the probe's
JSON lines). `Capture` reads all three in one `select` loop: it keeps the first
`output_kb` of stdout and of stderr and stops the job once they total 16 times
that (`output_limit`); it keeps the results channel up to `result_mb` and stops
the job past it. It ends when every pipe is closed, at the deadline, at a limit,
or (the warm path, whose child's teardown need not be waited for) as soon as the
probe says it is done. `Capture.run` turns what it saw and the job's exit status
into the one result shape, `SandboxRun`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import time

from grader.sandbox.limits import Limits
from grader.sandbox.result import SandboxRun

# Past this many bytes on stdout (or stderr) the run is stopped (output_limit); the
# first `output_kb` are kept for the report either way.
OUTPUT_KILL_FACTOR = 16
# The probe's last line on the results channel.
DONE = b'{"done": true}\n'
CHUNK = 65536


class Stream:
    """One pipe's bytes: the first `keep` of them, and how many came."""

    def __init__(self, keep: int, kill_at: int, on_chunk=None):
        self.keep = keep
        self.kill_at = kill_at
        self.on_chunk = on_chunk
        self.data = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.on_chunk is not None:
            self.on_chunk(chunk)
        if len(self.data) < self.keep:
            self.data += chunk[: self.keep - len(self.data)]

    @property
    def exceeded(self) -> bool:
        return self.total > self.kill_at

    @property
    def truncated(self) -> bool:
        return self.total > self.keep

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", errors="replace")


class Capture:
    """Reads a job's stdout, stderr and results channel (read ends of pipes it then owns)."""

    def __init__(self, stdout_fd: int, stderr_fd: int, results_fd: int, limits: Limits, on_results=None):
        keep = limits.output_kb * 1024
        results = limits.result_mb << 20
        self.fds = [stdout_fd, stderr_fd, results_fd]
        self.streams = [
            Stream(keep, keep * OUTPUT_KILL_FACTOR),
            Stream(keep, keep * OUTPUT_KILL_FACTOR),
            Stream(results, results, on_results),
        ]
        self.stdout, self.stderr, self.results = self.streams
        self.timed_out = False
        self.done = False
        self._open = set(range(3))
        for fd in self.fds:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)

    @property
    def output_exceeded(self) -> bool:
        return self.stdout.exceeded or self.stderr.exceeded

    @property
    def results_exceeded(self) -> bool:
        return self.results.exceeded

    @property
    def over_limit(self) -> bool:
        return self.output_exceeded or self.results_exceeded

    def collect(self, deadline: float, until_done: bool = False) -> None:
        """Read until every pipe closes, the deadline passes, a limit is hit, or (until_done) the probe is done."""
        while self._open and not (until_done and self.done):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.timed_out = True
                return
            ready, _, _ = select.select([self.fds[i] for i in self._open], [], [], remaining)
            for fd in ready:
                self._read(self.fds.index(fd))
            if self.over_limit:
                return

    def _read(self, index: int) -> None:
        stream = self.streams[index]
        while True:
            try:
                chunk = os.read(self.fds[index], CHUNK)
            except BlockingIOError:
                return
            if not chunk:
                self._open.discard(index)
                return
            stream.feed(chunk)
            if index == 2:
                self.done = self.done or DONE in stream.data[-64:]
            if stream.exceeded:
                return

    def drain_output(self) -> None:
        """Take what is already written to stdout and stderr, without waiting for more."""
        for index in (0, 1):
            if index in self._open:
                with contextlib.suppress(OSError):
                    self._read(index)

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._open.clear()

    def run(self, code: int, duration_ms: int, limits: Limits, out_of_memory: bool = False) -> SandboxRun:
        """The result, from the exit code as `os.waitstatus_to_exitcode` gives it (-N: killed by signal N)."""
        exit_code, sig = (None, -code) if code < 0 else (code, None)
        # bwrap, and the warm path likewise, report a sandbox killed by signal N as exit status 128+N.
        if exit_code is not None and exit_code > 128 and not self.timed_out:
            sig = exit_code - 128
        return SandboxRun(
            exit_code=exit_code,
            signal=sig,
            timed_out=self.timed_out,
            output_exceeded=self.output_exceeded,
            stdout=self.stdout.text(),
            stderr=self.stderr.text(),
            stdout_truncated=self.stdout.truncated,
            stderr_truncated=self.stderr.truncated,
            duration_ms=duration_ms,
            cpu_limit_ms=limits.cpu_seconds * 1000,
            results=bytes(self.results.data),
            results_exceeded=self.results_exceeded,
            out_of_memory=out_of_memory,
        )
