"""The whole path through real services: Redis, a grading worker, the results consumer.

The grading worker runs with no database settings and no SECRET_KEY; only the
results consumer writes to the (test) database.
"""

import pytest

from submissions import services
from tests import services as test_services
from tests.conftest import NAIVE_SOFTMAX, SOLUTION, enrollment_of, exercise, wait_until_final

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def submit(user, course, source):
    return services.submit_code(enrollment_of(user, course), exercise("softmax-temperature"), source)


def test_worker_grades_a_correct_and_a_wrong_submission(grading_stack, alice, bob, course):
    right = submit(alice, course, SOLUTION)
    wrong = submit(bob, course, NAIVE_SOFTMAX)
    right = wait_until_final(right.pk)
    wrong = wait_until_final(wrong.pk)

    assert (right.status, right.score, right.max_score) == ("graded", 10.0, 10.0)
    assert right.started_at and right.finished_at and right.started_at <= right.finished_at
    assert (wrong.status, wrong.score) == ("graded", 7.0)
    failed = sorted(check["name"] for check in wrong.report["checks"] if not check["passed"])
    assert failed == ["rejects_bad_temperature", "stable"]


def test_grading_worker_holds_no_database_settings_or_secret(grading_stack):
    environ = grading_stack["grader"].environ()
    assert "DATABASE_URL" not in environ
    assert "SECRET_KEY" not in environ
    assert "DJANGO_SETTINGS_MODULE" not in environ
    assert environ["REDIS_URL"] == grading_stack["redis"].url


def test_a_crashing_submission_is_reported_and_the_worker_goes_on(grading_stack, alice, course):
    crash = submit(alice, course, "import ctypes\nctypes.string_at(0)\n")
    after = submit(alice, course, SOLUTION)
    crash = wait_until_final(crash.pk)
    after = wait_until_final(after.pk)
    assert (crash.status, crash.score, crash.charged) == ("error", 0.0, True)
    assert (after.status, after.score) == ("graded", 10.0)


def test_status_json_moves_to_graded(grading_stack, client, alice, course):
    from django.urls import reverse

    submission = submit(alice, course, SOLUTION)
    client.force_login(alice)
    wait_until_final(submission.pk)
    data = client.get(reverse("submission_status", args=[submission.pk])).json()
    assert data["status"] == "graded" and data["final"] is True
    assert data["score"] == 10.0
    assert [c["passed"] for c in data["checks"]] == [True] * 5
    assert data["checks"][0]["title"] == "Probabilidades corretas (T = 1)"


def test_live_progress_reaches_the_status_json(grading_stack, client, alice, course):
    import time

    from django.urls import reverse

    training = (
        SOLUTION
        + """
import time
from grader_progress import report
for step in range(1, 31):
    report(step, 30, loss=1.0 / step)
    time.sleep(0.1)
"""
    )
    submission = submit(alice, course, training)
    client.force_login(alice)
    url = reverse("submission_status", args=[submission.pk])
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = client.get(url).json()
        if data["progress"]:
            seen.append(data["progress"])
        if data["final"]:
            break
        time.sleep(0.1)
    assert data["status"] == "graded" and data["score"] == 10.0
    assert seen, "no progress was shown while the submission ran"
    assert all(event["total"] == 30 and 1 <= event["step"] <= 30 for event in seen)
    assert "loss" in seen[-1]["metrics"]
    assert data["progress"] is None  # once graded, the page shows the result instead


def test_the_series_of_a_training_run_is_kept_in_the_report_and_served_once_graded(
    grading_stack, client, alice, course
):
    import math
    import time

    from django.urls import reverse

    from grader import progress

    # Student code reports 50 steps while it "trains" at import time; the probe lets a few a second out.
    training = (
        SOLUTION
        + """
import time
from grader_progress import report
for step in range(1, 51):
    report(step, 50, loss=2.0 / step, accuracy=step / 50, bad=float("nan"))
    time.sleep(0.04)
"""
    )
    submission = submit(alice, course, training)
    client.force_login(alice)
    url = reverse("submission_status", args=[submission.pk])
    live, held = [], 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = client.get(url, {"since": held, "epoch": 0}).json()
        if data["final"]:
            break
        if data["series"]:
            assert data["series"]["from"] in (0, held)
            live = live[: data["series"]["from"]] + data["series"]["points"]
            held = data["series"]["count"]
        time.sleep(0.1)
    graded = wait_until_final(submission.pk)
    assert (graded.status, graded.score) == ("graded", 10.0)  # progress changes nothing in the grading

    stored = graded.report["progress_series"]
    assert stored["names"] == ["loss", "accuracy"] and stored["total"] == 50
    steps = [point[0] for point in stored["points"]]
    assert 5 <= len(steps) <= 50
    assert steps == sorted(set(steps)), "steps must increase"
    assert steps[-1] == 50  # the last event is never lost to the rate cap
    assert all(isinstance(v, float) and math.isfinite(v) for point in stored["points"] for v in point[1:])
    assert stored["points"][-1][1:] == [0.04, 1.0]
    assert live and all(point in stored["points"] for point in live)  # what the page drew while it ran

    data = client.get(url).json()
    assert data["final"] and data["series"]["points"] == stored["points"] and data["series"]["from"] == 0
    # The live keys go after an hour; the page still has the chart, from the report.
    progress.client(grading_stack["redis"].url).delete(progress.key(submission.pk), progress.series_key(submission.pk))
    assert client.get(url).json()["series"]["points"] == stored["points"]


def _pool_children(worker):
    main = worker.process.pid
    return [int(pid) for pid in open(f"/proc/{main}/task/{main}/children").read().split()]


def test_a_worker_killed_mid_grade_is_replaced_and_the_task_redelivered(grading_stack, alice, course):
    import os
    import signal
    import time

    from submissions.models import Submission

    slow = "import time\ntime.sleep(3)\n" + SOLUTION
    submission = submit(alice, course, slow)
    deadline = time.monotonic() + 30
    while Submission.objects.get(pk=submission.pk).status != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    (pool_process,) = _pool_children(grading_stack["grader"])
    os.kill(pool_process, signal.SIGKILL)

    graded = wait_until_final(submission.pk, timeout=120)
    assert (graded.status, graded.score) == ("graded", 10.0)
    assert _pool_children(grading_stack["grader"]) != [pool_process]
    # The replacement process grades the next submission too.
    after = wait_until_final(submit(alice, course, SOLUTION).pk)
    assert (after.status, after.score) == ("graded", 10.0)


def test_infrastructure_failures_are_retried_then_recorded_uncharged(grading_stack, alice, course, monkeypatch):
    from grader import engine, sandbox
    from grader import worker as grading_worker
    from submissions.services import grading_payload

    # This process plays a worker whose machine has no usable sandbox.
    monkeypatch.setenv("GRADER_BWRAP", "/nonexistent/bwrap")
    monkeypatch.setenv("GRADER_WARM_START", "0")
    monkeypatch.setenv("GRADER_RETRY_DELAY", "0")
    monkeypatch.setattr(grading_worker.app.conf, "broker_url", grading_stack["redis"].url)
    sandbox.check_available.cache_clear()
    try:
        with monkeypatch.context() as m:
            # The Celery worker must not take it first: build the row without publishing.
            m.setattr("submissions.services.enqueue_grading", lambda submission_id: True)
            submission = submit(alice, course, SOLUTION)
        grading_worker.grade_submission.apply(args=[grading_payload(submission)])
    finally:
        sandbox.check_available.cache_clear()
        engine.fork_server().stop()
    recorded = wait_until_final(submission.pk)
    assert (recorded.status, recorded.charged, recorded.score) == ("sandbox_error", False, 0.0)
    assert recorded.report["attempts"] == 4  # the first try and three retries
    assert "bubblewrap" in recorded.report["message"]["en"] or "bwrap" in recorded.report["message"]["en"]


def test_a_submission_made_while_redis_is_down_is_kept_and_published_by_the_sweeper(
    grading_stack, alice, course, settings
):
    import time

    from submissions import sweeper
    from submissions.models import Submission

    redis = grading_stack["redis"]
    redis.stop()
    try:
        started = time.monotonic()
        submission = submit(alice, course, SOLUTION)  # publishing fails; the row stays
        waited = time.monotonic() - started
    finally:
        redis.start()
    assert Submission.objects.filter(pk=submission.pk, status="queued", published_at=None).exists()
    assert waited < 30
    # Both workers reconnect to the restarted broker by themselves.
    test_services.wait_for_workers(grading_stack["app"], ["grader@test", "results@test"], timeout=60)
    settings.SWEEP_PUBLISH_GRACE_SECONDS = 0
    assert sweeper.sweep().published == [submission.pk]
    graded = wait_until_final(submission.pk)
    assert (graded.status, graded.score, graded.deliveries) == ("graded", 10.0, 1)
    assert not sweeper.sweep()  # graded: nothing more to send


def test_practice_waits_while_work_that_counts_is_queued(grading_stack, alice, bob, carla, course):
    """Late practice and an instructor's try go to `cpu-low`; a worker takes on-time work first."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import CourseLesson
    from tests.conftest import GRADING_QUEUES, pause_grader, resume_grader

    app = grading_stack["app"]
    lesson = CourseLesson.objects.filter(course=course, lesson=exercise("softmax-temperature").lesson)
    # The session's worker steps aside; a fresh one, started once everything is queued, shows the order.
    pause_grader(app)
    worker = None
    try:
        lesson.update(due_at=timezone.now() - timedelta(minutes=1))
        practice = [submit(alice, course, SOLUTION), submit(bob, course, SOLUTION)]
        lesson.update(due_at=None)
        practice.append(submit(carla, course, SOLUTION))  # an instructor's try counts for no one
        on_time = [submit(alice, course, SOLUTION), submit(bob, course, SOLUTION)]
        assert [s.queue for s in practice + on_time] == ["cpu-low"] * 3 + ["cpu"] * 2
        env = test_services.python_env(
            {"REDIS_URL": grading_stack["redis"].url}, drop=("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
        )
        log = grading_stack["logs"] / "priority.log"
        worker = test_services.start_worker("grader.worker", GRADING_QUEUES, "priority@test", env, log)
        test_services.wait_for_workers(app, ["priority@test"])
        done = [wait_until_final(s.pk) for s in practice + on_time]
        assert all(s.status == "graded" and s.score == 10.0 for s in done)
        started = {s.pk: s.started_at for s in done}
        assert max(started[s.pk] for s in on_time) < min(started[s.pk] for s in practice), started
    finally:
        if worker is not None:
            worker.stop()
        resume_grader(app)


def test_a_flooding_student_never_delays_another_students_first_submission(grading_stack, client, alice, bob, course):
    """Alice floods one exercise with slow code: two are taken, the rest refused with a message and the code
    kept; her second waits behind Bob's first, so Bob waits at most for the one of hers already running."""
    from django.urls import reverse

    from submissions.models import Submission

    slow = "import time\ntime.sleep(2)\n" + SOLUTION
    client.force_login(alice)
    url = reverse("exercise", args=[course.slug, "softmax-temperature"])
    pages = [client.post(url, {"source": slow + f"# try {n}\n"}) for n in range(12)]
    taken = [page for page in pages if page.status_code == 302]
    refused = [page.content.decode() for page in pages if page.status_code == 200]
    assert len(taken) == 2 and len(refused) == 10
    assert all("já estão na fila ou sendo corrigidos" in page for page in refused)
    assert "# try 11" in refused[-1]  # the code stays in the editor
    first, second = Submission.objects.filter(student=alice).order_by("created_at")
    assert (first.queue, second.queue) == ("cpu", "cpu-low")
    bobs = submit(bob, course, SOLUTION)
    assert bobs.queue == "cpu"
    done = {s.pk: wait_until_final(s.pk) for s in (first, second, bobs)}
    assert all(s.status == "graded" and s.score == 10.0 for s in done.values())
    # Bob's work started before Alice's second, right after her first (already running or next).
    assert done[first.pk].started_at <= done[bobs.pk].started_at < done[second.pk].started_at


def test_the_worker_and_the_code_it_runs_yield_the_cpu_to_the_site(grading_stack, alice, course):
    """GRADER_NICE (default 10): where a worker shares cores with the site, pages come first."""
    import os

    source = SOLUTION + "\nimport os as _os\nprint('niceness', _os.getpriority(_os.PRIO_PROCESS, 0))\n"
    graded = wait_until_final(submit(alice, course, source).pk)
    assert graded.status == "graded"
    assert "niceness 10" in graded.report["stdout"]
    main = grading_stack["grader"].process.pid
    assert os.getpriority(os.PRIO_PROCESS, main) == 10
    assert os.getpriority(os.PRIO_PROCESS, 0) == 0  # the site's processes (this one) keep theirs
