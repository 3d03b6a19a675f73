"""Grading latency and throughput through the real stack: Redis, Celery workers, the sandbox.

    .venv/bin/python bench/grading.py [--warm N] [--cold N] [--batch N] [--smoke]

Starts a private redis-server, a results consumer on a throw-away SQLite
database, and one grading worker process (-c 1): first with the warm start,
then without. Latency is measured from the moment the submission is saved and
its task sent, to the moment its report is stored (both database timestamps).
The last line printed is one JSON object with the figures. Each submission
comes from a student of its own, so the exercise's attempt limit (or any other
per-student rule of the content) never stops the benchmark. `--smoke` runs the
same path with a handful of submissions, to check that the script works
(`make test` does); its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

WORKDIR = Path(tempfile.mkdtemp(prefix="bench-grading-"))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GENERATE_SECRET_KEY": "1",  # a throw-away key in WORKDIR (production settings require one)
        "VAR_DIR": str(WORKDIR),
        "DATABASE_URL": f"sqlite:///{WORKDIR / 'bench.sqlite3'}",
    }
)

from tests import services  # noqa: E402 - real services, as the integration tests start them

REDIS = services.RedisServer(port=services.free_port(), workdir=WORKDIR)
REDIS.start()
os.environ["REDIS_URL"] = REDIS.url

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from catalog.models import Exercise  # noqa: E402
from config.celery import app  # noqa: E402
from courses.models import Course, CourseLesson, Enrollment  # noqa: E402
from submissions import services as submissions  # noqa: E402
from submissions.models import Submission  # noqa: E402

CORRECT = (ROOT / "exercises/chatgpt/softmax-temperature/solution.py").read_text()
WRONG = """import torch

def softmax(z, temperature=1.0, dim=-1):
    e = torch.exp(z / temperature)
    return e / e.sum(dim=dim, keepdim=True)
"""


def setup() -> tuple[Course, Exercise]:
    call_command("migrate", verbosity=0)
    call_command("sync_exercises", str(ROOT / "exercises"), stdout=open(os.devnull, "w"))  # noqa: SIM115
    course = Course.objects.create(slug="bench", title={"pt": "b", "en": "b"})
    exercise = Exercise.objects.get(slug="softmax-temperature")
    CourseLesson.objects.create(course=course, lesson=exercise.lesson)
    return course, exercise


def submit(course: Course, exercise: Exercise, source: str) -> Submission:
    """A submission from a new student: no attempt limit of the content can refuse it."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(f"bench-{get_user_model().objects.count()}")
    enrollment = Enrollment.objects.create(course=course, user=user, role="student")
    return submissions.submit_code(enrollment, exercise, source)


def wait_stored(ids: list[int], timeout: float = 600) -> list[Submission]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = list(Submission.objects.filter(pk__in=ids, finished_at__isnull=False))
        if len(done) == len(ids):
            return done
        time.sleep(0.002)
    raise TimeoutError("submissions not graded in time")


def latency_ms(submission: Submission) -> float:
    return (submission.finished_at - submission.created_at).total_seconds() * 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_worker(warm: bool, course, exercise, sequential: int, batch: int) -> dict:
    env = services.python_env(
        {"REDIS_URL": REDIS.url, "GRADER_WARM_START": "1" if warm else "0"},
        drop=("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "VAR_DIR"),
    )
    name = f"bench-{'warm' if warm else 'cold'}@bench"
    worker = services.start_worker("grader.worker", "cpu", name, env, WORKDIR / f"{name}.log")
    try:
        services.wait_for_workers(app, [name])
        # One unmeasured submission: the worker's first task pays Celery's own start-up.
        wait_stored([submit(course, exercise, CORRECT).pk])
        latencies = []
        for index in range(sequential):
            source = CORRECT if index % 2 == 0 else WRONG
            submission = submit(course, exercise, source)
            (stored,) = wait_stored([submission.pk])
            assert stored.status == "graded" and stored.score == (10.0 if source is CORRECT else 7.0), stored.report
            latencies.append(latency_ms(stored))
        per_minute = None
        if batch:
            started = time.monotonic()
            ids = [submit(course, exercise, CORRECT if i % 2 else WRONG).pk for i in range(batch)]
            stored = wait_stored(ids)
            elapsed = time.monotonic() - started
            assert all(s.status == "graded" for s in stored)
            per_minute = round(batch / elapsed * 60)
        return {
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "per_minute": per_minute,
        }
    finally:
        worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=60, help="sequential submissions with the warm start")
    parser.add_argument("--cold", type=int, default=16, help="sequential submissions without it")
    parser.add_argument("--batch", type=int, default=200, help="submissions sent at once to measure throughput")
    parser.add_argument("--smoke", action="store_true", help="a few submissions: does the script still work?")
    args = parser.parse_args()
    if args.smoke:
        args.warm, args.cold, args.batch = 3, 1, 4
    course, exercise = setup()
    results = services.start_worker(
        "config",
        "results",
        "results@bench",
        services.python_env({"REDIS_URL": REDIS.url}),
        WORKDIR / "results.log",
    )
    try:
        services.wait_for_workers(app, ["results@bench"])
        warm = run_worker(True, course, exercise, args.warm, args.batch)
        print(f"warm: {warm}", flush=True)
        cold = run_worker(False, course, exercise, args.cold, 0)
        print(f"cold: {cold}", flush=True)
    finally:
        results.stop()
        REDIS.stop()
    figures = {
        "warm_p50_ms": warm["p50_ms"],
        "warm_p95_ms": warm["p95_ms"],
        "cold_p50_ms": cold["p50_ms"],
        "cold_p95_ms": cold["p95_ms"],
        "warm_over_cold_p50": round(warm["p50_ms"] / cold["p50_ms"], 3),
        "per_minute": warm["per_minute"],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
