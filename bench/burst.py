"""A deadline burst: simulated students on loopback against the production processes.

    .venv/bin/python bench/burst.py [--students 300] [--window 300] [--database-url URL] [--smoke]

Starts a private redis-server (append-only file, as docker-compose runs it), gunicorn on the
site's production settings, the results consumer, two grading workers (-c 1 each), and the
scheduler (celery beat with the sweeper), on PostgreSQL (a fresh database, dropped and made
again: `--database-url`, default postgres://postgres@127.0.0.1:5432/nngpt_burst). Then every
student, starting at a random moment of the first 60 % of the window, does what a student does
before a deadline: logs in, opens the course dashboard and a lesson, answers 10 quiz items (each
page loaded, its form filled and sent), and submits 2 coding exercises, polling the status JSON
once a second as the page does until the report is there. Each student waits a little between
steps, so all of them fit in the window.

Figures: web latency over every request (p50, p95, p99), errors (an answer of 400 or more, or no
answer), submissions made and graded, lost (made but never final), feedback time as the student
sees it (from sending the code to the poll that brings the report) and drain (from the last
submission to the last report stored). The last line printed is one JSON object. `--smoke` runs
5 students in 40 s on SQLite, to check the script works (`make test` does); its figures mean nothing.
The load generator runs on the same machine: its threads take CPU from the server too.
"""

from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from tests import services  # noqa: E402 - real services, as the integration tests start them

CODE_EXERCISES = ("softmax-temperature", "activation-derivatives")
PASSWORD = "burst-Passw0rd!"  # noqa: S105 - the simulated students' own
COURSE = "burst"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def fresh_postgres(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg.connect(
        dbname="postgres",
        user=parts.username or None,
        password=parts.password or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def site_env(workdir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    """The production settings, with what a loopback run without TLS needs."""
    return services.python_env(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "VAR_DIR": str(workdir),
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_MANIFEST": "0",
            "LOG_FORMAT": "json",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
        drop=("GENERATE_SECRET_KEY",),
    )


SETUP = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from catalog.models import Exercise
from courses.models import Course, CourseLesson, Enrollment
call_command("migrate", verbosity=0)
call_command("sync_exercises", verbosity=0)
count, code, slug, password = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3], sys.argv[4]
course = Course.objects.create(slug=slug, title={"pt": "Prazo", "en": "Deadline"})
lessons = {e.lesson for e in Exercise.objects.filter(slug__in=code).select_related("lesson")}
for lesson in lessons:
    CourseLesson.objects.create(course=course, lesson=lesson)
hashed = make_password(password)  # one hash for all: creating 300 users would take minutes
User = get_user_model()
users = User.objects.bulk_create([User(username=f"s{n:04d}", password=hashed) for n in range(count)])
Enrollment.objects.bulk_create([Enrollment(course=course, user=u, role="student") for u in users])
quiz = list(
    Exercise.objects.filter(lesson__in=lessons).exclude(kind=Exercise.CODE).order_by("lesson__order", "order")
    .values_list("slug", flat=True)
)
first = sorted(lessons, key=lambda lesson: lesson.order)[0]
print(json.dumps({"quiz": quiz, "lesson": first.slug}))
"""


class FormReader(html.parser.HTMLParser):
    """The fields of the form with id `form_id`, filled as a hurried student would: the first
    choice of each group, "1" in a number or text box, and in the n-th list its n-th real option
    (so an ordering's positions and a matching's pairs are all different: a whole answer, if
    seldom the right one)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.groups: set[str] = set()
        self.select: str | None = None
        self.options: list[str] = []
        self.lists = 0
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if name not in self.groups:
                    self.groups.add(name)
                    self.fields.append((name, a.get("value", "on")))
            elif kind in ("hidden", "submit"):
                if a.get("value") is not None and kind == "hidden":
                    self.fields.append((name, a["value"]))
            else:
                self.fields.append((name, "1"))
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select and a.get("value"):
            self.options.append(a["value"])
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.append((name, "A temperatura muda a distribuição de probabilidades."))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            if self.options:
                self.fields.append((self.select, self.options[self.lists % len(self.options)]))
                self.lists += 1
            self.select = None


def csrf_of(page: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    feedback: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)  # monotonic time of each submission sent
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, seconds: float, problem: str | None = None, kind: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            if kind:
                self.by_kind.setdefault(kind, []).append(seconds)
            if problem:
                self.errors.append(problem)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Student:
    def __init__(self, base: str, username: str, results: Results, pace: float):
        self.base = base
        self.username = username
        self.results = results
        self.pace = pace
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def call(self, path: str, data: dict | list | None = None, kind: str = "") -> tuple[int, str, str]:
        """One request; (status, body, Location). The caller follows redirects as a browser would."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        url = self.base + path  # always http://127.0.0.1:<port>/...
        request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=60) as response:
                text = response.read().decode("utf-8", errors="replace")
                status, location = response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", errors="replace")
            status, location = exc.code, exc.headers.get("Location", "")
        except OSError as exc:
            self.results.request(time.monotonic() - started, f"{path}: {exc}")
            return 0, "", ""
        problem = f"{path}: HTTP {status}" if status >= 400 else None
        self.results.request(time.monotonic() - started, problem, kind or path)
        return status, text, location

    def think(self, low: float = 1.0, high: float = 3.0) -> None:
        time.sleep(random.uniform(low, high) * self.pace)

    def run(self, lesson: str, quiz: list[str]) -> None:
        _, page, _ = self.call("/accounts/login/", kind="login page")
        status, _, _ = self.call(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_of(page)},
            kind="log in",
        )
        if status != 302:
            self.results.request(0.0, f"login of {self.username}: HTTP {status}")
            return
        self.call(f"/c/{COURSE}/", kind="dashboard")
        self.think()
        self.call(f"/c/{COURSE}/l/{lesson}/", kind="lesson")
        self.think()
        for slug in random.sample(quiz, min(10, len(quiz))):
            status, page, _ = self.call(f"/c/{COURSE}/e/{slug}/", kind="quiz page")
            if status != 200:
                continue
            form = FormReader("quiz-form")
            form.feed(page)
            self.think(2, 5)
            status, _, location = self.call(f"/c/{COURSE}/e/{slug}/", form.fields, kind="quiz answer")
            if status == 302:  # the browser follows it to the page with the verdict
                self.call(urllib.parse.urlparse(location).path, kind="quiz result")
        for slug in CODE_EXERCISES:
            status, page, _ = self.call(f"/c/{COURSE}/e/{slug}/", kind="code page")
            self.think(2, 5)
            source = (next(ROOT.glob(f"exercises/*/{slug}/solution.py"))).read_text()
            sent = time.monotonic()
            status, _, location = self.call(
                f"/c/{COURSE}/e/{slug}/", {"source": source, "csrfmiddlewaretoken": csrf_of(page)}, kind="submit"
            )
            if status != 302 or "/submissions/" not in location:
                self.results.request(0.0, f"submission of {slug} by {self.username}: HTTP {status}")
                continue
            with self.results.lock:
                self.results.sent.append(sent)
            path = urllib.parse.urlparse(location).path
            self.call(path, kind="submission page")
            deadline = sent + 600
            while time.monotonic() < deadline:
                time.sleep(1.0)  # STATUS_POLL_MS, while the tab is visible
                status, text, _ = self.call(path + "status.json", kind="status poll")
                if status == 200 and json.loads(text).get("final"):
                    with self.results.lock:
                        self.results.feedback.append(time.monotonic() - sent)
                    break


def server_side(log: Path) -> list[str]:
    """What the site's own request log says (JSON lines with `duration_ms`): the time in Django,
    for reads and for writes apart, and the slowest writes with when they ended. A stall that
    only writes show, many of them ending at one moment while reads go on, is the database's
    commit (its WAL flush) waiting for the disk; a stall that reads show too is the CPU."""
    by_method: dict[str, list[tuple[float, str, str]]] = {}
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if "duration_ms" in row:
            entry = (float(row["duration_ms"]), str(row.get("timestamp", ""))[11:23], str(row.get("path", "")))
            by_method.setdefault(str(row.get("method", "")), []).append(entry)
    out = []
    for method, rows in sorted(by_method.items()):
        durations = [d for d, _, _ in rows]
        out.append(
            f"in Django, {method:>4}: {len(rows):5d} requests, p50 {percentile(durations, 50):7.1f} ms, "
            f"p99 {percentile(durations, 99):7.1f} ms, max {max(durations):7.1f} ms"
        )
    slowest = sorted(by_method.get("POST", []), reverse=True)[:5]
    if slowest:
        out.append("slowest writes (ms, ended at UTC): " + ", ".join(f"{d:.0f} at {t}" for d, t, _ in slowest))
    return out


CLOCK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent, name, CPU seconds of it and of its children it has waited for)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        found[int(entry.name)] = (int(fields[1]), name, (utime + stime + cutime + cstime) / CLOCK)
    return found


def cpu_by_group(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each named process and everything below it; `postgres` is the
    server's whole tree (its backends are reaped by the postmaster, so they count there)."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)

    def tree(pid: int) -> float:
        return table.get(pid, (0, "", 0.0))[2] + sum(tree(child) for child in children.get(pid, ()))

    totals = {name: tree(pid) for name, pid in roots.items()}
    postmasters = [
        pid
        for pid, (parent, name, _) in table.items()
        if name == "postgres" and table.get(parent, (0, ""))[1] != "postgres"
    ]
    totals["postgres"] = sum(tree(pid) for pid in postmasters)
    return totals


def wait_http(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--window", type=float, default=300, help="seconds in which every student starts and finishes")
    parser.add_argument("--database-url", default=os.environ.get("BURST_DATABASE_URL"))
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.students, args.window = 5, 40
    workdir = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    database_url = args.database_url
    if database_url is None:
        database_url = (
            f"sqlite:///{workdir / 'burst.sqlite3'}" if args.smoke else "postgres://postgres@127.0.0.1:5432/nngpt_burst"
        )
    if database_url.startswith("postgres"):
        fresh_postgres(database_url)
    redis = services.RedisServer(port=services.free_port(), workdir=workdir, appendonly=True)
    redis.start()
    env = site_env(workdir, database_url, redis.url)
    logs = workdir / "logs"
    logs.mkdir()
    processes: list[services.Worker] = []
    try:
        started = time.monotonic()
        prepared = subprocess.run(
            [sys.executable, "-c", SETUP, str(args.students), ",".join(CODE_EXERCISES), COURSE, PASSWORD],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if prepared.returncode != 0:
            print(prepared.stderr[-3000:], file=sys.stderr)
            return 1
        content = json.loads(prepared.stdout.strip().splitlines()[-1])
        print(
            f"setup: {args.students} students, {len(content['quiz'])} quiz items in {time.monotonic() - started:.0f} s"
        )
        port = services.free_port()
        grader_env = services.python_env(
            {"REDIS_URL": redis.url}, drop=("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
        )
        processes.append(
            services.start_process(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.gunicorn_workers), "--timeout", "60"],
                env, logs / "gunicorn.log", "web",
            )
        )  # fmt: skip
        processes.append(services.start_process(
            [*services.celery_command("config"), "worker", "-Q", "results", "-c", "2", "-n", "results@burst",
             "--without-gossip", "--without-mingle", "-l", "WARNING"],
            env, logs / "results.log", "results"))  # fmt: skip
        for n in (1, 2):
            processes.append(services.start_process(
                [*services.celery_command("grader.worker"), "worker", "-Q", "cpu,gpu,cpu-low,gpu-low", "-c", "1",
                 "--prefetch-multiplier", "1", "-n", f"grader{n}@burst", "--without-gossip", "--without-mingle",
                 "-l", "WARNING"], grader_env, logs / f"grader{n}.log", f"grader{n}"))  # fmt: skip
        processes.append(services.start_process(
            [*services.celery_command("config"), "beat", "--schedule", str(workdir / "beat"), "-l", "WARNING"],
            env, logs / "beat.log", "scheduler"))  # fmt: skip
        wait_http(port)
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL", "VAR_DIR")})
        os.environ["REDIS_URL"] = redis.url
        import django

        django.setup()
        from config.celery import app
        from submissions.models import QuizAnswer, Submission

        app.conf.broker_url = redis.url
        services.wait_for_workers(app, ["results@burst", "grader1@burst", "grader2@burst"])
        print(f"stack up in {time.monotonic() - started:.0f} s; the burst begins ({args.window:.0f} s window)")

        roots = {process.name: process.process.pid for process in processes}
        roots["redis"] = redis.process.pid
        before = cpu_by_group(roots)
        own_before = time.process_time()
        results = Results()
        base = f"http://127.0.0.1:{port}"
        # A student's own steps take about 60 s of waiting at pace 1; the latest starts at 60 % of the window.
        pace = min(1.0, args.window * 0.35 / 60)
        threads = []
        burst_start = time.monotonic()
        for n in range(args.students):
            student = Student(base, f"s{n:04d}", results, pace)
            delay = random.uniform(0, args.window * 0.6)
            thread = threading.Timer(delay, student.run, args=(content["lesson"], content["quiz"]))
            thread.daemon = True
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(timeout=max(1.0, args.window + 900 - (time.monotonic() - burst_start)))
        elapsed = time.monotonic() - burst_start
        after = cpu_by_group(roots)
        cpu = {name: round(after[name] - before.get(name, 0.0), 1) for name in after}
        cpu["load generator"] = round(time.process_time() - own_before, 1)

        rows = list(Submission.objects.values_list("status", "created_at", "finished_at"))
        made = len(rows)
        graded = sum(1 for status, _, _ in rows if status == Submission.Status.GRADED)
        final = sum(1 for status, _, _ in rows if status in Submission.FINAL)
        last_made = max((created for _, created, _ in rows), default=None)
        last_done = max((done for _, _, done in rows if done), default=None)
        drain = (last_done - last_made).total_seconds() if last_made and last_done else None
        figures = {
            "students": args.students,
            "window_s": args.window,
            "elapsed_s": round(elapsed, 1),
            "requests": len(results.latencies),
            "web_p50_ms": round(percentile(results.latencies, 50) * 1000, 1),
            "web_p95_ms": round(percentile(results.latencies, 95) * 1000, 1),
            "web_p99_ms": round(percentile(results.latencies, 99) * 1000, 1),
            "errors": len(results.errors),
            "quiz_answers": QuizAnswer.objects.count(),
            "submissions": made,
            "graded": graded,
            "lost": made - final,
            "feedback_p50_s": round(percentile(results.feedback, 50) or 0, 2),
            "feedback_p95_s": round(percentile(results.feedback, 95) or 0, 2),
            "drain_s": round(drain, 2) if drain is not None else None,
            "cpus": os.cpu_count(),
            "cpu_s": cpu,
            "database": database_url.split(":", 1)[0],
        }
        print(
            "CPU seconds during the burst: "
            + ", ".join(f"{k} {v}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]))
        )
        for kind, values in sorted(results.by_kind.items()):
            print(
                f"{kind:>16}: {len(values):5d} requests, p50 {percentile(values, 50) * 1000:7.1f} ms, "
                f"p95 {percentile(values, 95) * 1000:7.1f} ms, p99 {percentile(values, 99) * 1000:7.1f} ms"
            )
        for line in server_side(logs / "gunicorn.log"):
            print(line)
        for problem in results.errors[:10]:
            print(f"error: {problem}")
        print(f"{made} submissions, {graded} graded, {figures['quiz_answers']} quiz answers stored")
        print(json.dumps(figures))
        return 0
    finally:
        for process in reversed(processes):
            process.stop()
        redis.stop()


if __name__ == "__main__":
    sys.exit(main())
