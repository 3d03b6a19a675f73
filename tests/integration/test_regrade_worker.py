"""Regrades through real services: Redis, the grading worker (no database), the results consumer, the bulk worker.

The content change is told honestly: the students' attempts were graded on an older version
of the exercise (a version row with another content hash, whose stored scores are what its
checks gave), and the worker holds the current `exercises/` content, which the regrade names.
The worker grades for real: the naive softmax loses the stability check's points (7 of 10),
the reference solution keeps all 10.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import ExerciseVersion
from regrade import services
from regrade.models import Regrade
from submissions import services as submission_services
from submissions.models import QuizAnswer, Submission
from tests import services as test_services
from tests.conftest import (
    NAIVE_SOFTMAX,
    SOLUTION,
    enrollment_of,
    exercise,
    pause_grader,
    resume_grader,
    wait_until_final,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CODE = "softmax-temperature"
SLOW_SOLUTION = "import time\ntime.sleep(3)\n" + SOLUTION


def older_version():
    item = exercise(CODE)
    current = item.current_version
    return ExerciseVersion.objects.create(exercise=item, content_hash="0" * 64, data=current.data)


def graded_on(version, course, student, source, score, minutes_ago, **fields):
    now = timezone.now()
    submission = Submission.objects.create(
        course=course,
        student=student,
        exercise=version.exercise,
        version=version,
        source=source,
        status="graded",
        score=score,
        max_score=10,
        report={"status": "graded", "score": score, "content_hash": version.content_hash, "checks": []},
        started_at=now,
        finished_at=now,
        **fields,
    )
    Submission.objects.filter(pk=submission.pk).update(created_at=now - timedelta(minutes=minutes_ago))
    return Submission.objects.get(pk=submission.pk)


def wait_until_ready(regrade_id: int, timeout: float = 120) -> Regrade:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        regrade = Regrade.objects.get(pk=regrade_id)
        if regrade.status != "running":
            return regrade
        time.sleep(0.2)
    raise TimeoutError(f"regrade {regrade_id} still running: {services.progress(regrade)}")


def test_a_real_worker_regrades_then_the_preview_shows_it_and_apply_recomputes_history(
    grading_stack, client, alice, bob, carla, course
):
    old = older_version()
    # alice: her naive softmax got 10 under the old checks; her later right answer was a day late (half).
    naive = graded_on(old, course, alice, NAIVE_SOFTMAX, 10, minutes_ago=30)
    late_right = graded_on(old, course, alice, SOLUTION, 10, minutes_ago=10, credit=0.5, days_late=1)
    # bob: the old checks gave his right answer 6.
    right = graded_on(old, course, bob, SOLUTION, 6, minutes_ago=20)
    item = exercise(CODE)
    used_before = submission_services.attempts_used(enrollment_of(alice, course), item)

    client.force_login(carla)
    response = client.post(reverse("regrade_new", args=[course.slug, CODE]), {"scope": "older"})
    assert response.status_code == 302
    regrade = wait_until_ready(Regrade.objects.get().pk)
    assert regrade.status == "ready"
    new_scores = dict(regrade.items.values_list("submission_id", "new_score"))
    assert new_scores == {naive.pk: 7.0, late_right.pk: 10.0, right.pk: 10.0}
    # Nothing changed before apply; no student was told anything.
    assert dict(Submission.objects.values_list("pk", "score")) == {naive.pk: 10, late_right.pk: 10, right.pk: 6}

    page = client.get(reverse("regrade_detail", args=[course.slug, regrade.pk])).content.decode()
    assert 'id="count-up"><strong>1</strong>' in page and 'id="count-down"><strong>1</strong>' in page
    assert f'id="student-{alice.pk}" data-direction="down"' in page
    rows = {row.student.username: row for row in services.preview(regrade).students}
    assert (rows["alice"].old, rows["alice"].new) == (10, 7)  # best of 10 and 10 x 0.5, then of 7 and 10 x 0.5
    assert (rows["bob"].old, rows["bob"].new) == (6, 10)

    assert client.post(reverse("regrade_apply", args=[course.slug, regrade.pk])).status_code == 302
    assert submission_services.lesson_rows(course, alice, [item])[0].score == 7
    assert submission_services.lesson_rows(course, bob, [item])[0].score == 10
    naive.refresh_from_db()
    assert (naive.score, naive.version_id, naive.charged, naive.credit) == (7, item.current_version_id, True, 1.0)
    assert [c["passed"] for c in naive.report["checks"]].count(False) == 2
    assert submission_services.attempts_used(enrollment_of(alice, course), item) == used_before


def test_a_students_live_submission_goes_before_a_waiting_regrade(grading_stack, alice, bob, carla, course):
    app = grading_stack["app"]
    old = older_version()
    graded_on(old, course, alice, SOLUTION, 6, minutes_ago=20)
    graded_on(old, course, bob, SOLUTION, 6, minutes_ago=20)
    pause_grader(app)
    try:
        regrade = services.start(course, exercise(CODE), carla)  # published at once: no transaction around it
        live = submission_services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION)
    finally:
        resume_grader(app)
    live = wait_until_final(live.pk)
    regrade = wait_until_ready(regrade.pk)
    finished = list(regrade.items.values_list("finished_at", flat=True))
    assert live.score == 10 and all(live.finished_at < at for at in finished)


def test_a_live_result_arriving_while_a_regrade_applies_leaves_one_consistent_score(
    grading_stack, alice, carla, course, monkeypatch
):
    app = grading_stack["app"]
    old = older_version()
    first = graded_on(old, course, alice, NAIVE_SOFTMAX, 10, minutes_ago=20)
    regrade = wait_until_ready(services.start(course, exercise(CODE), carla).pk)
    assert regrade.items.get().new_score == 7

    # alice submits again, slowly; the instructor applies while it runs, and the apply takes its time.
    live = submission_services.submit_code(enrollment_of(alice, course), exercise(CODE), SLOW_SOLUTION)
    deadline = time.monotonic() + 60
    while Submission.objects.get(pk=live.pk).status != "running":
        assert time.monotonic() < deadline, "the worker never started the submission"
        time.sleep(0.05)
    real = services.apply_item

    def slow_apply_item(*args, **kwargs):
        real(*args, **kwargs)
        time.sleep(5)  # the live result lands while the transaction is open

    monkeypatch.setattr(services, "apply_item", slow_apply_item)
    services.apply(regrade.pk, carla)
    live = wait_until_final(live.pk)
    assert (live.status, live.score) == ("graded", 10.0)
    first.refresh_from_db()
    assert first.score == 7 and Regrade.objects.get().status == "applied"

    # Replayed messages change nothing: the first attempt's old live result, the regrade's own result.
    app.send_task("submissions.record_result", args=[first.pk, {"status": "graded", "score": 10}], queue="results")
    replay = {"status": "graded", "score": 0}
    app.send_task("regrade.record_item", args=[regrade.items.get().pk, replay], queue="results")
    time.sleep(2)
    first.refresh_from_db()
    assert first.score == 7 and regrade.items.get().new_score == 7
    assert submission_services.lesson_rows(course, alice, [exercise(CODE)])[0].score == 10


@pytest.fixture
def bulk_worker(grading_stack, tmp_path):
    from django.db import connection

    env = test_services.python_env(
        {
            "REDIS_URL": grading_stack["redis"].url,
            "DATABASE_URL": test_services.database_url(connection.settings_dict),
            "VAR_DIR": str(settings.VAR_DIR),
        }
    )
    worker = test_services.start_worker("config", "similarity,bulk", "bulk@test", env, tmp_path / "bulk.log")
    try:
        test_services.wait_for_workers(grading_stack["app"], ["bulk@test"])
        yield worker
    finally:
        worker.stop()


def test_the_bulk_worker_regrades_questions_after_a_key_change(bulk_worker, client, alice, carla, course):
    item = exercise("gpt-meaning")
    version = item.current_version
    for option, number, credit, minutes in [("pre-answers", 1, 1.0, 20), ("generative", 2, 0.5, 10)]:
        result = submission_services.quiz.grade(version.data["quiz"], option, {})
        answer = QuizAnswer.objects.create(
            course=course, student=alice, exercise=item, version=version, answer=option, score=result.score,
            max_score=result.max_score, correct=result.correct, attempt=number, credit=credit,
        )  # fmt: skip
        QuizAnswer.objects.filter(pk=answer.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    assert submission_services.quiz_scores(course, alice, [item]) == {item.pk: 0.5}
    data = {**version.data, "quiz": {**version.data["quiz"], "answer": "pre-answers"}}
    item.current_version = ExerciseVersion.objects.create(exercise=item, content_hash="k" * 64, data=data)
    item.save(update_fields=["current_version"])

    client.force_login(carla)
    client.post(reverse("regrade_new", args=[course.slug, item.slug]), {"scope": "all"})
    regrade = wait_until_ready(Regrade.objects.get().pk, timeout=60)
    assert regrade.status == "ready"
    client.post(reverse("regrade_apply", args=[course.slug, regrade.pk]))
    assert submission_services.quiz_scores(course, alice, [exercise("gpt-meaning")]) == {item.pk: 1.0}
