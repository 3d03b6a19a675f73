"""Container health checks, one per kind of service (docker-compose.yml's `healthcheck` lines).

Exit status 0: healthy; 1: not, with the reason on standard error. Standard library, plus
celery and redis where the image has them; no Django settings are loaded, so a check costs
a fraction of a second and needs no secret.

    python deploy/healthcheck.py web                # GET /health/ on this container's gunicorn
    python deploy/healthcheck.py worker [NAME]      # the Celery worker NAME@<this hostname> answers a ping
    python deploy/healthcheck.py beat SCHEDULE      # celery beat runs, its schedule file exists, the broker answers
    python deploy/healthcheck.py db                 # DATABASE_URL's server accepts connections

`worker` without NAME pings whatever `-n NAME@%h` this container's celery process was started with.
"""

from __future__ import annotations

import glob
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

TIMEOUT = float(os.environ.get("HEALTHCHECK_TIMEOUT", "8"))


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def request_host(allowed_hosts: str) -> str:
    """A Host header the site accepts: the first ALLOWED_HOSTS entry that names a host."""
    for entry in allowed_hosts.split(","):
        entry = entry.strip()
        if entry and entry != "*":
            return entry.lstrip(".")
    return "localhost"


def check_web(url: str = "http://127.0.0.1:8000/health/") -> str:
    host = request_host(os.environ.get("ALLOWED_HOSTS", "localhost"))
    if not url.startswith("http://"):
        raise RuntimeError(f"{url}: only a plain http:// URL to this container is checked")
    request = urllib.request.Request(url, headers={"Host": host, "Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - fixed local URL
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        raise RuntimeError(f"{url}: {exc}") from exc
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    return f"{url} 200"


def processes() -> list[list[str]]:
    """The command lines of the processes this container sees."""
    found = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            argv = Path(cmdline).read_bytes().split(b"\0")
        except OSError:
            continue
        found.append([arg.decode(errors="replace") for arg in argv if arg])
    return found


def is_celery(argv: list[str], command: str) -> bool:
    """`celery ... COMMAND` or `python -m celery ... COMMAND` (not this script, whatever its arguments)."""
    return command in argv and any(os.path.basename(arg) == "celery" for arg in argv)


def worker_name(argv_list: list[list[str]], hostname: str) -> str | None:
    """The node name of the celery worker among these command lines (`-n cpu@%h` -> cpu@<hostname>)."""
    for argv in argv_list:
        if not is_celery(argv, "worker"):
            continue
        for index, arg in enumerate(argv):
            value = None
            if arg in ("-n", "--hostname") and index + 1 < len(argv):
                value = argv[index + 1]
            elif arg.startswith("--hostname="):
                value = arg.split("=", 1)[1]
            if value:
                return value.replace("%h", hostname).replace("%n", hostname.split(".")[0])
    return None


def check_worker(name: str | None = None) -> str:
    from celery import Celery

    hostname = socket.gethostname()
    if name is None:
        name = worker_name(processes(), hostname)
        if name is None:
            raise RuntimeError("no celery worker started with -n NAME runs in this container")
    elif "@" not in name:
        name = f"{name}@{hostname}"
    # A bare app on the same broker: remote control needs no task, no settings, no PyTorch.
    app = Celery("healthcheck", broker=broker_url(), set_as_current=False)
    app.conf.broker_connection_retry_on_startup = False
    try:
        replies = app.control.ping(destination=[name], timeout=TIMEOUT)
    finally:
        app.close()
    if not any(name in reply for reply in replies):
        raise RuntimeError(f"{name} did not answer a ping within {TIMEOUT:g} s")
    return f"{name} pong"


def check_beat(schedule: str) -> str:
    import redis

    if not any(is_celery(argv, "beat") for argv in processes()):
        raise RuntimeError("celery beat is not running")
    # shelve adds a suffix on some dbm back ends (.db; .dat/.dir/.bak).
    if not glob.glob(glob.escape(schedule) + "*"):
        raise RuntimeError(f"no schedule file {schedule}*: beat could not open its schedule")
    # Publishing is beat's only job: the broker must answer.
    redis.Redis.from_url(broker_url(), socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT).ping()
    return "beat running, broker answers"


def check_db() -> str:
    url = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", ""))
    if not url.hostname:
        raise RuntimeError("DATABASE_URL names no server")
    with socket.create_connection((url.hostname, url.port or 5432), timeout=TIMEOUT):
        pass
    return f"{url.hostname}:{url.port or 5432} accepts connections"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("web", "worker", "beat", "db"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, args = argv[0], argv[1:]
    try:
        if kind == "web":
            said = check_web(*args[:1])
        elif kind == "worker":
            said = check_worker(args[0] if args else None)
        elif kind == "beat":
            said = check_beat(args[0] if args else "/var/lib/celery-beat/schedule")
        else:
            said = check_db()
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy", said plainly
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    print(said)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
