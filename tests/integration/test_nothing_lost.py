"""Nothing lost, with real processes: a private Redis, a grading worker, the results consumer and
the scheduler (celery beat sending the sweeper every 2 s), each killed or cut off in turn.

The stack here is this module's own (the session's grading stack is never broken by it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import time

import pytest
import redis
from django.db import connection

from submissions import services
from submissions.models import Submission
from tests import services as test_services
from tests.conftest import GRADING_QUEUES, SOLUTION, enrol_students, enrollment_of, exercise

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SLUG = "softmax-temperature"
SLOW = "import time\ntime.sleep(3)\n" + SOLUTION  # long enough to be caught mid-grade (under case_seconds)
SWEEP = {"SWEEP_INTERVAL_SECONDS": "2", "SWEEP_PUBLISH_GRACE_SECONDS": "1", "SWEEP_RUNNING_GRACE_SECONDS": "5"}


class Stack:
    def __init__(self, tmp_path, settings_dict):
        self.redis = test_services.RedisServer(port=test_services.free_port(), workdir=tmp_path / "redis")
        self.redis.workdir.mkdir()
        self.logs = tmp_path / "logs"
        self.logs.mkdir()
        self.site_env = test_services.python_env(
            {
                "REDIS_URL": self.redis.url,
                "DATABASE_URL": test_services.database_url(settings_dict),
                "SQLITE_TIMEOUT": "1",
                **SWEEP,
            }
        )
        self.grader_env = test_services.python_env(
            {"REDIS_URL": self.redis.url}, drop=("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
        )
        self.grader = self.results = self.scheduler = None

    def start_grader(self):
        self.grader = test_services.start_worker(
            "grader.worker", GRADING_QUEUES, "lossy-grader@test", self.grader_env, self.logs / "grader.log"
        )

    def start_results(self):
        self.results = test_services.start_worker(
            "config", "results", "lossy-results@test", self.site_env, self.logs / "results.log"
        )

    def start_scheduler(self):
        command = [
            *test_services.celery_command("config"),
            "beat",
            "--schedule",
            str(self.logs / "beat-schedule"),
            "--loglevel",
            "INFO",
        ]
        self.scheduler = test_services.start_process(command, self.site_env, self.logs / "beat.log", "scheduler")

    def stop(self):
        for process in (self.scheduler, self.grader, self.results):
            if process:
                process.stop()
        self.redis.stop()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def stack(tmp_path, sandbox_ready):
    from config.celery import app

    built = Stack(tmp_path, connection.settings_dict)
    built.redis.start()
    previous = test_services.use_broker(app, built.redis.url)
    built.start_grader()
    built.start_results()
    built.start_scheduler()
    try:
        test_services.wait_for_workers(app, ["lossy-grader@test", "lossy-results@test"])
        yield built
    finally:
        built.stop()
        test_services.use_broker(app, previous)


def submit(user, course, source=SOLUTION) -> Submission:
    """As the page does: saved, then published once the transaction commits."""
    return services.submit_code(enrollment_of(user, course), exercise(SLUG), source)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"{what} after {timeout} s")


def final(pk: int, timeout: float = 120) -> Submission:
    return wait_for(lambda: (s := Submission.objects.get(pk=pk)).is_final and s, timeout, f"#{pk} not final")


def waiting_results(client) -> list[str]:
    ids = (json.loads(m)["headers"]["id"] for m in client.lrange("results", 0, -1))
    return [task_id for task_id in ids if task_id.startswith("result-")]


def settle(submissions, seconds: float = 5) -> None:
    """A few more sweeps: nothing changes any more (graded once, not sent again)."""
    before = {s.pk: (s.finished_at, s.deliveries, s.score) for s in Submission.objects.filter(pk__in=submissions)}
    time.sleep(seconds)
    after = {s.pk: (s.finished_at, s.deliveries, s.score) for s in Submission.objects.filter(pk__in=submissions)}
    assert after == before


def test_the_worker_killed_mid_grade_its_submission_is_graded_once_within_minutes(stack, alice, course):
    submission = submit(alice, course, SLOW)
    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "running", 90, "never running")
    # The worker's main process and its pool child die at once, as when its container is killed:
    # the task stays in Redis's unacknowledged set, and nobody would hand it out for two hours.
    os.killpg(stack.grader.process.pid, signal.SIGKILL)
    stack.grader.process.wait()
    client = redis.Redis.from_url(stack.redis.url)
    assert client.hlen("unacked") >= 1
    killed_at = time.monotonic()
    stack.start_grader()

    graded = final(submission.pk, timeout=180)
    assert (graded.status, graded.score, graded.charged, graded.deliveries) == ("graded", 10.0, True, 2)
    assert time.monotonic() - killed_at < 120
    settle([submission.pk])
    assert client.hlen("unacked") == 0  # the dead copy is gone: not graded again in two hours


def test_a_redis_restart_without_persistence_loses_nothing_the_sweeper_resends_in_order(stack, course):
    students = enrol_students(course, 4)
    stack.grader.stop()  # the submissions wait in Redis
    made = [submit(student, course) for student in students]
    wait_for(
        lambda: all(s.published_at for s in Submission.objects.filter(pk__in=[m.pk for m in made])), 20, "published"
    )
    stack.redis.stop()
    stack.redis.start()  # empty: no append-only file here
    assert redis.Redis.from_url(stack.redis.url).llen("cpu") == 0
    stack.start_grader()

    done = [final(m.pk) for m in made]
    assert [(s.status, s.score, s.deliveries) for s in done] == [("graded", 10.0, 2)] * 4
    # Sent again in the order they were made.
    resent = sorted(done, key=lambda s: s.published_at)
    assert [s.pk for s in resent] == [m.pk for m in made]
    settle([m.pk for m in made])


def test_with_an_append_only_file_a_redis_restart_keeps_the_queue(stack, course):
    students = enrol_students(course, 3)
    stack.redis.stop()
    stack.redis.appendonly = True
    stack.redis.start()
    wait_for(lambda: redis.Redis.from_url(stack.redis.url).ping(), 10, "redis")
    stack.grader.stop()
    made = [submit(student, course) for student in students]
    wait_for(
        lambda: all(s.published_at for s in Submission.objects.filter(pk__in=[m.pk for m in made])), 20, "published"
    )
    time.sleep(1.5)  # appendfsync everysec
    stack.redis.stop()
    stack.redis.start()
    assert redis.Redis.from_url(stack.redis.url).llen("cpu") == 3
    stack.start_grader()
    done = [final(m.pk) for m in made]
    assert [(s.status, s.deliveries) for s in done] == [("graded", 1)] * 3  # nothing needed sending again


@contextlib.contextmanager
def database_unreachable():
    """SQLite: another process holds the file's write lock. PostgreSQL: new connections are refused
    and the consumer's are cut. Only this test's own connection stays."""
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        locker = sqlite3.connect(settings_dict["NAME"], timeout=5, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        return
    import psycopg

    name = settings_dict["NAME"]
    admin = psycopg.connect(
        dbname="postgres",
        user=settings_dict.get("USER") or None,
        host=settings_dict.get("HOST") or "127.0.0.1",
        port=settings_dict.get("PORT") or 5432,
        autocommit=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s", (name, own)
    )
    try:
        yield
    finally:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.close()


def test_a_result_arriving_while_the_database_is_unreachable_is_stored_once_it_is_back(stack, alice, course):
    submission = submit(alice, course, "import time\ntime.sleep(2)\n" + SOLUTION)
    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "running", 90, "never running")
    with database_unreachable():
        time.sleep(10)  # the result arrives meanwhile, and is neither stored nor acknowledged
        results = redis.Redis.from_url(stack.redis.url)
        assert results.llen("results") + results.hlen("unacked") >= 1
    graded = final(submission.pk, timeout=60)
    assert (graded.status, graded.score, graded.charged) == ("graded", 10.0, True)
    assert "database unavailable" in stack.log("results")


def test_the_results_consumer_down_for_a_while_every_result_is_recorded_when_it_returns(stack, course):
    students = enrol_students(course, 3)
    stack.results.stop()
    made = [submit(student, course) for student in students]
    client = redis.Redis.from_url(stack.redis.url)
    # Graded meanwhile: a result per submission waits on `results` (among the scheduler's sweeps).
    wait_for(lambda: len(waiting_results(client)) >= 3, 120, "results not all sent")
    time.sleep(20)
    assert set(Submission.objects.filter(pk__in=[m.pk for m in made]).values_list("status", flat=True)) == {"queued"}
    stack.start_results()
    done = [final(m.pk, timeout=60) for m in made]
    assert [(s.status, s.score, s.deliveries) for s in done] == [("graded", 10.0, 1)] * 3
    settle([m.pk for m in made])


def test_a_forged_or_replayed_result_is_refused(stack, alice, bob, course):
    from config.celery import app

    stack.grader.stop()
    target = submit(alice, course)
    app.send_task(
        "submissions.record_result",
        args=[target.pk, {"status": "graded", "score": 10, "checks": []}, "guessed-token"],
        queue="results",
    )
    wait_for(lambda: "refused" in stack.log("results"), 30, "forged result not read")
    assert Submission.objects.get(pk=target.pk).finished_at is None
    stack.start_grader()
    genuine = final(target.pk)
    assert genuine.score == 10.0

    wrong = final(submit(bob, course, "def softmax(z, temperature=1.0, dim=-1):\n    return z\n").pk)
    assert wrong.score < 10
    # The worker's genuine message for it, replayed with a better score: recorded once, never again.
    replay = {**wrong.report, "score": 10.0}
    app.send_task("submissions.record_result", args=[wrong.pk, replay, wrong.token], queue="results")
    time.sleep(3)
    again = Submission.objects.get(pk=wrong.pk)
    assert (again.score, again.finished_at) == (wrong.score, wrong.finished_at)


def test_a_submission_made_while_redis_is_down_says_delayed_and_is_graded_when_it_returns(stack, client, alice, course):
    from django.urls import reverse

    stack.redis.stop()
    client.force_login(alice)
    page = reverse("exercise", args=[course.slug, SLUG])
    response = client.post(page, {"source": SOLUTION})
    assert response.status_code == 302  # saved, though not yet sent
    submission = Submission.objects.get(student=alice)
    assert (submission.status, submission.published_at) == ("queued", None)
    time.sleep(services.PUBLISH_EXPECTED_SECONDS + 0.5)
    status = reverse("submission_status", args=[submission.pk])
    html = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert 'id="delayed" class="notice" role="note">' in html

    stack.redis.start()
    graded = final(submission.pk, timeout=120)
    assert (graded.status, graded.score, graded.charged, graded.deliveries) == ("graded", 10.0, True, 1)
    assert json.loads(client.get(status).content)["delayed"] is False
