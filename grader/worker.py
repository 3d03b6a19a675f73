"""Celery app for grading workers: consumes `cpu` or `gpu`, reports on `results`.

A grading worker needs only the broker and the exercise content. It has no
database settings and no SECRET_KEY: the task payload is self-contained, and
the report goes back as a message that the site's results consumer records.

    celery -A grader.worker worker -Q cpu,cpu-low,cpu-regrade --concurrency 1

Settings come from the environment: REDIS_URL (or CELERY_BROKER_URL),
GRADER_EXERCISES_DIR, GRADER_WARM_START (default on: fork each sandbox from a
parent that imported PyTorch once; 0 starts a fresh bwrap sandbox per job), GRADER_NICE
(default 10: the niceness the worker and every sandbox it starts run at; 0 leaves it).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import uuid

from celery import Celery, bootsteps
from celery.signals import worker_init, worker_process_init, worker_process_shutdown

from grader import content, contract, engine, progress, sandbox

log = logging.getLogger(__name__)

# Longer than any task's time limit: Redis redelivers an unacknowledged task
# after this many seconds, so a shorter value would grade a long task twice.
VISIBILITY_TIMEOUT = 2 * 60 * 60
TASK_TIME_LIMIT = 30 * 60
# Grading is batch work and a page is not: where a worker shares its cores with the site (one
# host, as `make run` and a small deployment run), the kernel gives the pages the CPU first,
# and a submission spinning for its whole time limit slows no one's page.
DEFAULT_NICE = 10


def warm_start_enabled() -> bool:
    return os.environ.get("GRADER_WARM_START", "1").strip().lower() not in ("0", "false", "no", "off")


def niceness() -> int:
    """GRADER_NICE, 0 to 19; a value that is not one is refused with the reason, and the default used."""
    raw = os.environ.get("GRADER_NICE", "").strip()
    if not raw:
        return DEFAULT_NICE
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 19:
        log.error("GRADER_NICE=%r is not a niceness from 0 to 19; using %d", raw[:20], DEFAULT_NICE)
        return DEFAULT_NICE
    return value


def lower_priority() -> int:
    """Run this process (and so every pool child and sandbox it starts) at `niceness()`, unless it
    already runs nicer; returns the niceness it runs at. Only ever lowers the priority."""
    wanted = niceness()
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if wanted > current:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, wanted)
        except OSError as exc:  # a seccomp or container policy may refuse even this
            log.warning("could not lower the grading worker's priority to %d: %s", wanted, exc)
            return current
    return os.getpriority(os.PRIO_PROCESS, 0)


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


app = Celery("grader")
app.conf.update(
    broker_url=broker_url(),
    # A worker reads its queues in the order it lists them (`-Q cpu,cpu-low`): practice on the
    # `-low` queues waits while on-time work is there (kombu's Redis "priority" order).
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT, "queue_order_strategy": "priority"},
    broker_connection_retry_on_startup=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_time_limit=TASK_TIME_LIMIT,
    task_soft_time_limit=TASK_TIME_LIMIT - 60,
    task_default_queue="cpu",
    worker_hijack_root_logger=False,
)


def device_info() -> dict:
    """What this worker grades on, for the operations page: "cuda" with the GPUs' names, or "cpu".

    Read once at start (nvidia-smi can take a second) and shown through `inspect().stats()`
    under "grader": plain data, no new remote-control command.
    """
    nodes = [path for path in sandbox.gpu_devices() if re.fullmatch(r"/dev/nvidia\d+", path)]
    if not nodes:
        return {"device": "cpu", "gpus": []}
    names: list[str] = []
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            listed = subprocess.run(
                [smi, "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=5
            ).stdout
            names = [line.strip()[:80] for line in listed.splitlines() if line.strip()][:16]
        except (OSError, subprocess.TimeoutExpired):
            names = []
    return {"device": "cuda", "gpus": names or [f"GPU {n}" for n in range(len(nodes))]}


class DeviceInfo(bootsteps.StartStopStep):
    """Adds {"grader": {"device", "gpus", "warm_start"}} to the worker's `stats()` reply.

    A StartStopStep with nothing to start: only those are listed among the worker's steps,
    whose `info` makes up `stats()`.
    """

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.described = {**device_info(), "warm_start": warm_start_enabled()}

    def info(self, worker):
        return {"grader": self.described}


app.steps["worker"].add(DeviceInfo)


@worker_init.connect
def _lower_priority(**kwargs) -> None:
    """In the worker's main process, before it starts its pool."""
    lower_priority()


@worker_process_init.connect
def _start_fork_server(**kwargs) -> None:
    """Pay PyTorch's import once per worker process, before the first submission arrives."""
    if warm_start_enabled():
        try:
            engine.fork_server().start()
        except Exception:  # noqa: BLE001 - the cold path still grades; say why loudly
            log.exception("warm start unavailable in this worker; grading on the cold path")


@worker_process_shutdown.connect
def _stop_fork_server(**kwargs) -> None:
    engine.fork_server().stop()


def _notice_id(kind: str, submission_id: int) -> str:
    """Task ids the site's sweeper reads: a notice about submission N on its way is not lost work."""
    return f"{kind}-{int(submission_id)}-{uuid.uuid4().hex[:12]}"


def report_started(submission_id: int, token: str) -> None:
    app.send_task(
        contract.MARK_RUNNING_TASK,
        args=[submission_id, token],
        queue=contract.RESULTS_QUEUE,
        task_id=_notice_id("running", submission_id),
    )


def report_result(submission_id: int, report: dict, token: str) -> None:
    """The result goes back with the submission's token, which the site checks before storing it."""
    app.send_task(
        contract.RECORD_RESULT_TASK,
        args=[submission_id, report, token],
        queue=contract.RESULTS_QUEUE,
        task_id=_notice_id("result", submission_id),
    )


def grade_payload(payload: dict, on_progress=None) -> dict:
    """Grade a self-contained payload: {exercise_id, content_hash, source}."""
    exercise = content.find_exercise(payload["exercise_id"])
    if exercise.content_hash != payload["content_hash"]:
        # The worker's content differs from what the student saw: not gradable
        # here, and never charged. Deploy the same content to web and workers.
        report = engine.empty_report(
            exercise.id,
            payload["content_hash"],
            exercise.max_score,
            "sandbox_error",
            {
                "pt": "A versão do exercício no corretor difere da versão enviada; tente de novo mais tarde.",
                "en": "The grader has a different version of this exercise; try again later.",
            },
        )
        return report
    return engine.grade(exercise, payload["source"], warm=warm_start_enabled(), on_progress=on_progress)


def retry_delay(retries: int) -> float:
    """Seconds before grading again after an infrastructure failure: 5, 10, 20 by default."""
    return float(os.environ.get("GRADER_RETRY_DELAY", "5")) * 2**retries


@app.task(name=contract.GRADE_TASK, bind=True, acks_late=True, max_retries=3)
def grade_submission(self, payload: dict) -> None:
    submission_id = payload["submission_id"]
    token = str(payload.get("token", ""))
    report_started(submission_id, token)
    # The events go to Redis for the live page, and their series (built here, outside the
    # sandbox, capped) into the report, so the chart outlives the keys. Display only: no score reads it.
    recorder = progress.Recorder(broker_url(), submission_id)
    try:
        report = grade_payload(payload, recorder)
    except Exception as exc:  # noqa: BLE001 - an infrastructure fault must still reach the student
        log.exception("grading submission %s failed", submission_id)
        report = engine.empty_report(
            str(payload.get("exercise_id")),
            str(payload.get("content_hash")),
            0.0,
            "sandbox_error",
            {
                "pt": "Falha interna do corretor; esta tentativa não conta.",
                "en": "Internal grader failure; this attempt does not count.",
            },
        )
        report["internal_error"] = repr(exc)[:1000]
    report["attempts"] = self.request.retries + 1
    series = recorder.export()
    if series is not None:
        report["progress_series"] = series
    if report["status"] == "sandbox_error" and self.request.retries < self.max_retries:
        # Our failure, not the student's: try again later (perhaps on another worker), never charge.
        raise self.retry(countdown=retry_delay(self.request.retries))
    report_result(submission_id, report, token)


def report_regrade(item_id: int, report: dict, token: str) -> None:
    app.send_task(contract.RECORD_REGRADE_TASK, args=[item_id, report, token], queue=contract.RESULTS_QUEUE)


@app.task(name=contract.REGRADE_TASK, bind=True, acks_late=True, max_retries=3)
def regrade_submission(self, payload: dict) -> None:
    """Grade a submission again for a staff regrade: {item_id, exercise_id, content_hash, source}.

    Published on `cpu-regrade` or `gpu-regrade`, which workers list after their other queues.
    No "running" notice and no live progress: the student's attempt is not being graded, the
    staff's preview is. The report goes to the results consumer as `regrade.record_item`.
    """
    item_id = payload["item_id"]
    try:
        report = grade_payload(payload)
    except Exception as exc:  # noqa: BLE001 - the preview must still hear of it
        log.exception("regrading item %s failed", item_id)
        report = engine.empty_report(
            str(payload.get("exercise_id")),
            str(payload.get("content_hash")),
            0.0,
            "sandbox_error",
            {"pt": "Falha interna do corretor.", "en": "Internal grader failure."},
        )
        report["internal_error"] = repr(exc)[:1000]
    report["attempts"] = self.request.retries + 1
    if report["status"] == "sandbox_error" and self.request.retries < self.max_retries:
        raise self.retry(countdown=retry_delay(self.request.retries))
    report_regrade(item_id, report, str(payload.get("token", "")))
