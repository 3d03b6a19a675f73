"""Regrades through the test client: who may do what, the preview's arithmetic, applying once and all at once.

Grading results are fed to `services.record_item` as the results consumer would (the real
worker's path is in tests/integration/test_regrade_worker.py); quiz items are graded by the
bulk worker's function itself, `services.grade_quiz_items`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ExerciseVersion
from courses.models import Enrollment
from regrade import services
from regrade.models import Regrade, RegradeItem
from review import scores
from review import services as review_services
from review.models import ScoreChange
from submissions import services as submission_services
from submissions.models import QuizAnswer, Submission
from tests.conftest import SOLUTION, enrol_students, enrollment_of, exercise

pytestmark = pytest.mark.django_db

CODE = "softmax-temperature"
QUESTION = "gpt-meaning"


def record_item(item, report):
    """A worker's report for the item, carrying the token the item's task had."""
    return services.record_item(item.pk, report, item.token)


def older_version(item):
    """A version of the exercise as it was before the content change (same public data, another hash)."""
    current = item.current_version
    return ExerciseVersion.objects.create(
        exercise=item, content_hash="0ld" + current.content_hash[3:], data=current.data, solution=current.solution
    )


def attempt(course, student, score, *, version=None, minutes_ago=10, **fields):
    item = exercise(CODE)
    now = timezone.now()
    submission = Submission.objects.create(
        course=course,
        student=student,
        exercise=item,
        version=version or item.current_version,
        source=SOLUTION,
        status=fields.pop("status", "graded"),
        score=score,
        max_score=10,
        report={"status": "graded", "score": score, "checks": []},
        started_at=now,
        finished_at=now,
        **fields,
    )
    Submission.objects.filter(pk=submission.pk).update(created_at=now - timedelta(minutes=minutes_ago))
    return submission


def report(score, item=None, status="graded"):
    version = (item or exercise(CODE)).current_version
    return {"status": status, "score": score, "content_hash": version.content_hash, "checks": [], "charged": True}


def grade_all(regrade, new_scores: dict[int, float]) -> None:
    """What the workers would answer: each submission's new score."""
    for item in regrade.items.all():
        assert record_item(item, report(new_scores[item.submission_id]))


def student(django_user_model, course, username):
    user = django_user_model.objects.create_user(username=username, password=f"{username}-pass-123")
    Enrollment.objects.create(course=course, user=user, role="student")
    return user


def preview_rows(regrade, drop=False):
    regrade = Regrade.objects.select_related("exercise", "version").get(pk=regrade.pk)
    return {row.student.username: row for row in services.preview(regrade, drop).students}


# --- who may do what ---------------------------------------------------------------------------


@pytest.fixture
def ready(course, alice, bob, carla):
    a = attempt(course, alice, 6)
    b = attempt(course, bob, 8)
    regrade = services.start(course, exercise(CODE), carla)
    grade_all(regrade, {a.pk: 9, b.pk: 8})
    regrade.refresh_from_db()
    assert regrade.status == "ready"
    return regrade


def every_url(course, regrade):
    return [
        ("get", reverse("regrade_index", args=[course.slug]), False),
        ("get", reverse("regrade_new", args=[course.slug, CODE]), True),
        ("post", reverse("regrade_new", args=[course.slug, CODE]), True),
        ("get", reverse("regrade_detail", args=[course.slug, regrade.pk]), False),
        ("get", reverse("regrade_progress", args=[course.slug, regrade.pk]), False),
        ("post", reverse("regrade_apply", args=[course.slug, regrade.pk]), True),
        ("post", reverse("regrade_cancel", args=[course.slug, regrade.pk]), True),
    ]


def test_the_instructor_reaches_every_page(client, carla, ready, course):
    client.force_login(carla)
    for method, url, _instructor_only in every_url(course, ready):
        response = getattr(client, method)(url, {"scope": "all"} if method == "post" else None)
        # The start form says why it refused (one regrade at a time); apply and cancel redirect.
        expected = {"get": 200, "post": 302}[method] if "new" not in url or method == "get" else 400
        assert response.status_code == expected, url


def test_a_teaching_assistant_follows_regrades_but_gets_404_on_every_action(client, erin, ready, course):
    client.force_login(erin)
    for method, url, instructor_only in every_url(course, ready):
        response = getattr(client, method)(url)
        assert response.status_code == (404 if instructor_only else 200), url
    ready.refresh_from_db()
    assert ready.status == "ready" and Regrade.objects.count() == 1
    page = client.get(reverse("regrade_detail", args=[course.slug, ready.pk])).content.decode()
    assert 'id="apply-form"' not in page and 'id="cancel-form"' not in page and 'id="regrade-actions"' in page


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_a_student_and_another_courses_instructor_get_404_everywhere(client, request, who, ready, course):
    client.force_login(request.getfixturevalue(who))
    for method, url, _ in every_url(course, ready):
        assert getattr(client, method)(url).status_code == 404, url
    ready.refresh_from_db()
    assert ready.status == "ready"


def test_anonymous_visitors_are_sent_to_log_in(client, ready, course):
    for method, url, _ in every_url(course, ready):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_bad_ids_wrong_methods_and_another_courses_regrade(client, carla, dave, ready, course, other_course):
    client.force_login(carla)
    assert client.get(f"/c/{course.slug}/staff/regrade/999999/").status_code == 404
    assert client.get(f"/c/{course.slug}/staff/regrade/abc/").status_code == 404
    assert client.get(f"/c/{course.slug}/staff/regrade/new/no-such-exercise/").status_code == 404
    assert client.get(reverse("regrade_apply", args=[course.slug, ready.pk])).status_code == 405
    assert client.get(reverse("regrade_cancel", args=[course.slug, ready.pk])).status_code == 405
    assert client.post(reverse("regrade_progress", args=[course.slug, ready.pk])).status_code == 405
    # dave's own course cannot reach carla's regrade through its own slug
    client.force_login(dave)
    assert client.get(reverse("regrade_detail", args=[other_course.slug, ready.pk])).status_code == 404
    assert client.post(reverse("regrade_apply", args=[other_course.slug, ready.pk])).status_code == 404


def test_the_course_page_and_the_review_page_link_to_regrades(client, carla, course, alice):
    submission = attempt(course, alice, 5)
    client.force_login(carla)
    page = client.get(reverse("course", args=[course.slug])).content.decode()
    assert reverse("regrade_index", args=[course.slug]) in page
    index = client.get(reverse("regrade_index", args=[course.slug])).content.decode()
    assert reverse("regrade_new", args=[course.slug, CODE]) in index
    review = client.get(reverse("review_item", args=[course.slug, "submission", submission.pk])).content.decode()
    assert reverse("regrade_index", args=[course.slug]) + f"#ex-{CODE}" in review


# --- starting -----------------------------------------------------------------------------------


def test_starting_selects_students_final_attempts_and_publishes_on_commit(
    client, carla, erin, alice, bob, course, django_capture_on_commit_callbacks
):
    graded = attempt(course, alice, 6)
    crashed = attempt(course, bob, 0, status="error")
    attempt(course, bob, 0, status="sandbox_error", charged=False)  # our failure: not the regrade's
    attempt(course, alice, None, status="running")  # not final yet
    attempt(course, erin, 10)  # a teaching assistant's try
    client.force_login(carla)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("regrade_new", args=[course.slug, CODE]), {"scope": "all"})
    assert response.status_code == 302
    regrade = Regrade.objects.get()
    assert response["Location"] == reverse("regrade_detail", args=[course.slug, regrade.pk])
    assert len(callbacks) == 1  # published once the transaction commits
    assert sorted(regrade.items.values_list("submission_id", flat=True)) == sorted([graded.pk, crashed.pk])
    assert (regrade.status, regrade.total, regrade.version_id) == ("running", 2, exercise(CODE).current_version_id)
    assert regrade.items.get(submission=graded).old_score == 6


def test_the_code_payload_names_no_person_and_goes_to_the_regrade_queue(course, alice, carla, monkeypatch):
    from config.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, queue, retry: sent.append((name, args, queue)))
    submission = attempt(course, alice, 6)
    regrade = services.start(course, exercise(CODE), carla)
    assert services.enqueue(regrade.pk)
    ((name, (payload,), queue),) = sent
    assert (name, queue) == ("grader.regrade_submission", "cpu-regrade")
    assert payload == {
        "item_id": regrade.items.get().pk,
        "exercise_id": CODE,
        "content_hash": exercise(CODE).current_version.content_hash,
        "source": submission.source,
        "token": regrade.items.get().token,  # its own secret, which the report must carry back
    }


def test_an_unreachable_broker_ends_the_regrade_with_errors(course, alice, carla, monkeypatch):
    from kombu.exceptions import OperationalError

    from config.celery import app

    def refuse(*args, **kwargs):
        raise OperationalError("no broker")

    monkeypatch.setattr(app, "send_task", refuse)
    attempt(course, alice, 6)
    regrade = services.start(course, exercise(CODE), carla)
    assert services.enqueue(regrade.pk) is False
    regrade.refresh_from_db()
    assert regrade.status == "ready" and regrade.items.get().state == "error"


def test_older_version_and_selected_students_scopes(client, carla, alice, bob, course):
    item = exercise(CODE)
    old = older_version(item)
    a_old = attempt(course, alice, 6, version=old)
    attempt(course, alice, 7)
    b_old = attempt(course, bob, 5, version=old)
    client.force_login(carla)
    page = client.get(reverse("regrade_new", args=[course.slug, CODE])).content.decode()
    assert "(3)" in page and "(2)" in page  # all final attempts, and those on an older version
    client.post(reverse("regrade_new", args=[course.slug, CODE]), {"scope": "older"})
    regrade = Regrade.objects.get()
    assert sorted(regrade.items.values_list("submission_id", flat=True)) == sorted([a_old.pk, b_old.pk])
    services.cancel(regrade.pk)
    client.post(reverse("regrade_new", args=[course.slug, CODE]), {"scope": "students", "students": [str(bob.pk)]})
    regrade = Regrade.objects.filter(status="running").get()
    assert list(regrade.items.values_list("submission_id", flat=True)) == [b_old.pk]


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "students"},  # nobody ticked
        {"scope": "everything"},
        {},
        {"scope": "students", "students": ["abc", "-1", "9" * 40]},
    ],
)
def test_a_refused_start_says_why_and_creates_nothing(client, carla, alice, course, data):
    attempt(course, alice, 6)
    client.force_login(carla)
    response = client.post(reverse("regrade_new", args=[course.slug, CODE]), data)
    assert response.status_code == 400 and 'id="regrade-error"' in response.content.decode()
    assert not Regrade.objects.exists()


def test_nothing_to_regrade_and_one_regrade_at_a_time(client, carla, alice, course):
    client.force_login(carla)
    response = client.post(reverse("regrade_new", args=[course.slug, CODE]), {"scope": "all"})
    assert response.status_code == 400 and not Regrade.objects.exists()
    attempt(course, alice, 6)
    first = services.start(course, exercise(CODE), carla)
    response = client.post(reverse("regrade_new", args=[course.slug, CODE]), {"scope": "all"})
    assert response.status_code == 400 and Regrade.objects.count() == 1
    assert reverse("regrade_detail", args=[course.slug, first.pk]) in response.content.decode()


# --- grading results ----------------------------------------------------------------------------


def test_results_are_stored_once_and_ready_when_the_last_arrives(course, alice, bob, carla):
    a, b = attempt(course, alice, 6), attempt(course, bob, 8)
    regrade = services.start(course, exercise(CODE), carla)
    item_a, item_b = regrade.items.get(submission=a), regrade.items.get(submission=b)
    assert record_item(item_a, report(9))
    assert not record_item(item_a, report(1))  # a replayed message
    regrade.refresh_from_db()
    assert regrade.status == "running"
    assert services.progress(regrade) == {
        "status": "running",
        "total": 2,
        "done": 1,
        "errors": 0,
        "pending": 1,
        "finished": 1,
    }
    assert record_item(item_b, report(0, status="sandbox_error"))  # the worker gave up
    regrade.refresh_from_db()
    item_a.refresh_from_db()
    assert regrade.status == "ready" and (item_a.state, item_a.new_score) == ("done", 9)
    assert regrade.items.get(submission=b).state == "error"
    assert not services.record_item(999999, report(1), "x")


@pytest.mark.parametrize(
    "bad",
    [
        "not a report",
        {"status": "graded", "score": float("nan")},
        {"status": "graded", "score": 5, "content_hash": "another"},
        {"status": "made-up", "score": 5},
    ],
)
def test_a_malformed_or_foreign_report_is_an_error_never_a_score(course, alice, carla, bad):
    attempt(course, alice, 6)
    regrade = services.start(course, exercise(CODE), carla)
    record_item(regrade.items.get(), bad)
    item = regrade.items.get()
    assert item.state == "error" and item.new_score is None


def test_a_score_above_the_versions_maximum_is_capped(course, alice, carla):
    attempt(course, alice, 6)
    regrade = services.start(course, exercise(CODE), carla)
    record_item(regrade.items.get(), report(1e9))
    assert regrade.items.get().new_score == 10


# --- the preview --------------------------------------------------------------------------------


def test_preview_counts_up_down_unchanged_and_shows_both_scores(client, carla, alice, bob, django_user_model, course):
    cris = student(django_user_model, course, "cris")
    a, b, c = attempt(course, alice, 6), attempt(course, bob, 8), attempt(course, cris, 7)
    regrade = services.start(course, exercise(CODE), carla)
    grade_all(regrade, {a.pk: 9, b.pk: 4, c.pk: 7})
    client.force_login(carla)
    response = client.get(reverse("regrade_detail", args=[course.slug, regrade.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for key, n in [("up", 1), ("down", 1), ("same", 1)]:
        assert f'id="count-{key}"><strong>{n}</strong>' in page
    assert f'id="student-{alice.pk}" data-direction="up"' in page
    assert f'id="student-{bob.pk}" data-direction="down"' in page
    assert f'id="student-{cris.pk}" data-direction="same"' in page
    assert 'id="apply-form"' in page
    # Nothing changed yet.
    assert Submission.objects.get(pk=a.pk).score == 6


def test_a_running_regrade_counts_what_is_still_grading_and_offers_no_apply(client, carla, alice, bob, course):
    a, _b = attempt(course, alice, 6), attempt(course, bob, 8)
    regrade = services.start(course, exercise(CODE), carla)
    record_item(regrade.items.get(submission=a), report(9))
    client.force_login(carla)
    page = client.get(reverse("regrade_detail", args=[course.slug, regrade.pk])).content.decode()
    assert 'id="count-pending"><strong>1</strong>' in page and 'id="apply-form"' not in page
    assert 'data-status="running"' in page and 'id="regrade-bar" max="2" value="1"' in page
    assert client.get(reverse("regrade_progress", args=[course.slug, regrade.pk])).json()["finished"] == 1


def test_best_of_across_attempts_is_recomputed(course, alice, bob, carla):
    a1, a2 = attempt(course, alice, 6, minutes_ago=20), attempt(course, alice, 8)
    b1, b2 = attempt(course, bob, 8, minutes_ago=20), attempt(course, bob, 5)
    regrade = services.start(course, exercise(CODE), carla)
    # alice's first attempt becomes her best; bob's best falls to his second.
    grade_all(regrade, {a1.pk: 9, a2.pk: 8, b1.pk: 4, b2.pk: 5})
    rows = preview_rows(regrade)
    assert (rows["alice"].old, rows["alice"].new, rows["alice"].direction) == (8, 9, "up")
    assert (rows["bob"].old, rows["bob"].new, rows["bob"].direction) == (8, 5, "down")
    services.apply(regrade.pk, carla)
    item = exercise(CODE)
    assert submission_services.lesson_rows(course, alice, [item])[0].score == 9
    assert submission_services.lesson_rows(course, bob, [item])[0].score == 5


def test_a_late_penalty_and_late_practice_are_recomputed_with_the_attempts_own_share(course, alice, bob, carla):
    penalised = attempt(course, alice, 6, credit=0.5, days_late=1)
    on_time = attempt(course, bob, 4, minutes_ago=30)
    practice = attempt(course, bob, 0, late=True, credit=0.0)
    regrade = services.start(course, exercise(CODE), carla)
    grade_all(regrade, {penalised.pk: 10, on_time.pk: 4, practice.pk: 10})
    rows = preview_rows(regrade)
    assert (rows["alice"].old, rows["alice"].new) == (3, 5)  # 6 x 0.5 -> 10 x 0.5
    assert (rows["bob"].old, rows["bob"].new, rows["bob"].direction) == (4, 4, "same")  # practice never counts
    before = submission_services.attempts_used(enrollment_of(bob, course), exercise(CODE))
    services.apply(regrade.pk, carla)
    assert submission_services.lesson_rows(course, alice, [exercise(CODE)])[0].score == 5
    assert submission_services.lesson_rows(course, bob, [exercise(CODE)])[0].score == 4
    kept = Submission.objects.get(pk=practice.pk)
    assert (kept.score, kept.late, kept.credit, kept.charged) == (10, True, 0.0, True)
    assert Submission.objects.get(pk=penalised.pk).credit == 0.5
    assert submission_services.attempts_used(enrollment_of(bob, course), exercise(CODE)) == before  # none charged


def quiz_answer(course, user, option, *, attempt_no, credit, version=None, minutes_ago=10):
    item = exercise(QUESTION)
    version = version or item.current_version
    result = submission_services.quiz.grade(version.data["quiz"], option, {})
    answer = QuizAnswer.objects.create(
        course=course,
        student=user,
        exercise=item,
        version=version,
        answer=option,
        score=result.score,
        max_score=result.max_score,
        correct=result.correct,
        feedback=result.feedback,
        attempt=attempt_no,
        credit=credit,
    )
    QuizAnswer.objects.filter(pk=answer.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return answer


def change_key(item, key: str) -> ExerciseVersion:
    """The content change: the question's key is now `key` (as a sync of a fixed exercise.toml would store it)."""
    data = dict(item.current_version.data)
    data["quiz"] = {**data["quiz"], "answer": key}
    version = ExerciseVersion.objects.create(exercise=item, content_hash="f1xed" + "0" * 59, data=data)
    item.current_version = version
    item.save(update_fields=["current_version"])
    return version


def test_decreasing_quiz_credit_is_recomputed_after_a_key_change(client, course, alice, bob, carla):
    """The key was wrong: alice's first answer was right all along and keeps full credit; bob's second stays at half."""
    item = exercise(QUESTION)
    first = quiz_answer(course, alice, "pre-answers", attempt_no=1, credit=1.0, minutes_ago=20)
    second = quiz_answer(course, alice, "generative", attempt_no=2, credit=0.5)
    bob_second = quiz_answer(course, bob, "pre-answers", attempt_no=2, credit=0.5)
    quiz_answer(course, bob, "generative", attempt_no=1, credit=1.0, minutes_ago=20)
    assert submission_services.quiz_scores(course, alice, [item]) == {item.pk: 0.5}
    change_key(item, "pre-answers")
    client.force_login(carla)
    client.post(reverse("regrade_new", args=[course.slug, QUESTION]), {"scope": "all"})
    regrade = Regrade.objects.get()
    assert regrade.total == 4
    assert services.grade_quiz_items(regrade.pk) == 4
    regrade.refresh_from_db()
    assert regrade.status == "ready"
    rows = preview_rows(regrade)
    assert (rows["alice"].old, rows["alice"].new, rows["alice"].direction) == (0.5, 1.0, "up")
    assert (rows["bob"].old, rows["bob"].new, rows["bob"].direction) == (1.0, 0.5, "down")
    response = client.post(reverse("regrade_apply", args=[course.slug, regrade.pk]), {"drop_overrides": "0"})
    assert response.status_code == 302
    item = exercise(QUESTION)
    assert submission_services.quiz_scores(course, alice, [item]) == {item.pk: 1.0}
    assert submission_services.quiz_scores(course, bob, [item]) == {item.pk: 0.5}
    first.refresh_from_db()
    second.refresh_from_db()
    bob_second.refresh_from_db()
    assert (first.correct, first.score, first.credit, first.attempt) == (True, 1.0, 1.0, 1)
    assert (second.correct, second.score, second.credit, second.attempt) == (False, 0.0, 0.5, 2)
    assert first.version_id == item.current_version_id and bob_second.correct
    # Grading the quiz items again does nothing once applied.
    assert services.grade_quiz_items(regrade.pk) == 0


def test_a_quiz_answer_that_no_longer_reads_is_an_error_and_keeps_its_score(course, alice, carla):
    item = exercise(QUESTION)
    quiz_answer(course, alice, "general", attempt_no=1, credit=1.0)
    data = dict(item.current_version.data)
    data["quiz"] = {**data["quiz"], "options": [o for o in data["quiz"]["options"] if o["id"] != "general"]}
    item.current_version = ExerciseVersion.objects.create(exercise=item, content_hash="n" * 64, data=data)
    item.save(update_fields=["current_version"])
    regrade = services.start(course, item, carla)
    services.grade_quiz_items(regrade.pk)
    (line,) = regrade.items.all()
    assert line.state in ("error", "done")  # an unknown option either reads as wrong or is refused
    if line.state == "done":
        assert line.new_score == 0


# --- overrides ----------------------------------------------------------------------------------


@pytest.fixture
def overridden(course, alice, carla):
    submission = attempt(course, alice, 5)
    review_services.override(submission, carla, 9, "partial credit for the idea")
    regrade = services.start(course, exercise(CODE), carla)
    grade_all(regrade, {submission.pk: 10})
    return regrade, submission


def test_overrides_are_kept_by_default(client, carla, alice, course, overridden):
    regrade, submission = overridden
    rows = preview_rows(regrade)
    assert (rows["alice"].old, rows["alice"].new) == (9, 9)
    client.force_login(carla)
    page = client.get(reverse("regrade_detail", args=[course.slug, regrade.pk])).content.decode()
    assert 'id="preview-drop"' in page
    client.post(reverse("regrade_apply", args=[course.slug, regrade.pk]), {"drop_overrides": "0"})
    submission.refresh_from_db()
    assert submission.score == 10  # the grader's new verdict, on record
    assert scores.effective_score(submission) == 9  # the staff's score still counts
    assert submission_services.lesson_rows(course, alice, [exercise(CODE)])[0].score == 9
    assert ScoreChange.objects.count() == 1


def test_overrides_dropped_on_request_leave_a_revert_with_its_reason(client, carla, alice, course, overridden):
    regrade, submission = overridden
    rows = preview_rows(regrade, drop=True)
    assert (rows["alice"].old, rows["alice"].new) == (9, 10)
    client.force_login(carla)
    page = client.get(reverse("regrade_detail", args=[course.slug, regrade.pk]), {"drop": "1"}).content.decode()
    assert 'name="drop_overrides" value="1"' in page and 'id="apply-reason"' in page
    client.post(
        reverse("regrade_apply", args=[course.slug, regrade.pk]),
        {"drop_overrides": "1", "reason": "the new checks give the credit"},
    )
    submission.refresh_from_db()
    assert scores.effective_score(submission) == 10
    revert = ScoreChange.objects.latest("pk")
    assert (revert.kind, revert.old_score, revert.new_score, revert.by, revert.reason) == (
        "revert",
        9,
        10,
        carla,
        "the new checks give the credit",
    )
    assert Regrade.objects.get().keep_overrides is False


# --- apply: once, all or nothing ----------------------------------------------------------------


def test_apply_writes_the_new_grade_and_keeps_the_attempts_bookkeeping(course, alice, carla):
    item = exercise(CODE)
    old = older_version(item)
    submission = attempt(course, alice, 6, version=old, status="error", days_late=0)
    finished_at = submission.finished_at
    regrade = services.start(course, item, carla)
    record_item(regrade.items.get(), {**report(9), "checks": [{"name": "stable", "passed": True}]})
    services.apply(regrade.pk, carla)
    submission.refresh_from_db()
    assert (submission.score, submission.status, submission.version_id) == (9, "graded", item.current_version_id)
    assert submission.report["checks"] == [{"name": "stable", "passed": True}]
    assert (submission.charged, submission.late, submission.credit, submission.finished_at) == (
        True,
        False,
        1.0,
        finished_at,
    )
    # A live result replayed after the regrade changes nothing (the attempt was already recorded).
    assert not submission_services.record_result(submission.pk, report(0), submission.token)
    assert Submission.objects.get(pk=submission.pk).score == 9


def test_apply_keeps_the_training_curve_the_student_watched(course, alice, carla):
    item = exercise(CODE)
    submission = attempt(course, alice, 6, version=older_version(item))
    series = {"names": ["loss"], "points": [[1, 2.0], [2, 1.0]]}
    Submission.objects.filter(pk=submission.pk).update(report={**(submission.report or {}), "progress_series": series})
    regrade = services.start(course, item, carla)
    record_item(regrade.items.get(), report(9))
    services.apply(regrade.pk, carla)
    submission.refresh_from_db()
    assert submission.score == 9 and submission.report["progress_series"] == series


def test_applying_twice_changes_nothing_the_second_time(client, carla, alice, bob, course, ready):
    client.force_login(carla)
    url = reverse("regrade_apply", args=[course.slug, ready.pk])
    assert client.post(url).status_code == 302
    scores_after = dict(Submission.objects.values_list("pk", "score"))
    applied_at = Regrade.objects.get().applied_at
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert 'class="flash error"' in response.content.decode()
    assert dict(Submission.objects.values_list("pk", "score")) == scores_after
    assert Regrade.objects.get().applied_at == applied_at
    # A result arriving after apply is ignored; cancelling an applied regrade is refused.
    assert not record_item(ready.items.first(), report(0))
    assert client.post(reverse("regrade_cancel", args=[course.slug, ready.pk])).status_code == 302
    assert Regrade.objects.get().status == "applied"


def test_apply_while_running_or_after_cancel_is_refused_with_a_message(client, carla, alice, bob, course):
    a, b = attempt(course, alice, 6), attempt(course, bob, 8)
    regrade = services.start(course, exercise(CODE), carla)
    record_item(regrade.items.get(submission=a), report(9))
    client.force_login(carla)
    response = client.post(reverse("regrade_apply", args=[course.slug, regrade.pk]), follow=True)
    assert response.status_code == 200 and 'class="flash error"' in response.content.decode()
    assert Submission.objects.get(pk=a.pk).score == 6
    client.post(reverse("regrade_cancel", args=[course.slug, regrade.pk]))
    assert Regrade.objects.get().status == "cancelled"
    assert not record_item(regrade.items.get(submission=b), report(1))  # too late to count
    with pytest.raises(services.RegradeRefused):
        services.apply(regrade.pk, carla)
    assert Submission.objects.get(pk=a.pk).score == 6
    # A new regrade may start once the old one is cancelled.
    assert services.start(course, exercise(CODE), carla).status == "running"


def test_a_failure_midway_through_apply_changes_nothing(course, alice, bob, carla, monkeypatch):
    a, b = attempt(course, alice, 6), attempt(course, bob, 8)
    regrade = services.start(course, exercise(CODE), carla)
    grade_all(regrade, {a.pk: 9, b.pk: 2})
    real = services.apply_item
    calls = []

    def fail_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "apply_item", fail_on_the_second)
    with pytest.raises(RuntimeError):
        services.apply(regrade.pk, carla)
    assert len(calls) == 2
    assert dict(Submission.objects.values_list("pk", "score")) == {a.pk: 6, b.pk: 8}
    assert Regrade.objects.get().status == "ready"
    monkeypatch.setattr(services, "apply_item", real)
    services.apply(regrade.pk, carla)
    assert dict(Submission.objects.values_list("pk", "score")) == {a.pk: 9, b.pk: 2}


def test_apply_is_refused_when_the_exercise_changed_again(client, carla, course, ready):
    item = exercise(CODE)
    newer = ExerciseVersion.objects.create(exercise=item, content_hash="2" * 64, data=item.current_version.data)
    item.current_version = newer
    item.save(update_fields=["current_version"])
    client.force_login(carla)
    page = client.get(reverse("regrade_detail", args=[course.slug, ready.pk])).content.decode()
    assert 'id="regrade-stale"' in page and 'id="apply-form"' not in page
    with pytest.raises(services.RegradeRefused):
        services.apply(ready.pk, carla)
    assert Regrade.objects.get().status == "ready"


# --- escaping and bounded queries ---------------------------------------------------------------


def test_names_render_inert(client, carla, course, django_user_model):
    evil = student(django_user_model, course, "mallory")
    evil.first_name = "<script>alert(1)</script>"
    evil.save()
    attempt(course, evil, 5)
    client.force_login(carla)
    page = client.get(reverse("regrade_new", args=[course.slug, CODE])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_preview_runs_a_bounded_number_of_queries_over_300_students(
    client, carla, course, django_user_model, django_assert_max_num_queries
):
    users = enrol_students(course, 300)
    item = exercise(CODE)
    Submission.objects.bulk_create(
        [
            Submission(
                course=course,
                student=u,
                exercise=item,
                version=item.current_version,
                source="x",
                status="graded",
                score=n % 11,
                max_score=10,
                finished_at=timezone.now(),
            )
            for u in users
            for n in (1, 2)
        ]
    )
    regrade = services.start(course, item, carla)
    RegradeItem.objects.filter(regrade=regrade).update(state="done", new_score=5, new_status="graded")
    Regrade.objects.filter(pk=regrade.pk).update(status="ready")
    client.force_login(carla)
    url = reverse("regrade_detail", args=[course.slug, regrade.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count('data-direction="') == 300
    with django_assert_max_num_queries(10):
        assert client.get(reverse("regrade_index", args=[course.slug])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("regrade_new", args=[course.slug, CODE])).status_code == 200


def test_the_operations_page_lists_the_regrade_and_bulk_queues(client, carla, course, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nobody listens: the page still renders
    client.force_login(carla)
    page = client.get(reverse("operations", args=[course.slug])).content.decode()
    for queue in ("cpu-regrade", "gpu-regrade", "bulk"):
        assert f'data-queue-length="{queue}"' in page


def test_a_regrade_report_without_the_items_token_is_refused(course, alice, carla):
    attempt(course, alice, 6)
    regrade = services.start(course, exercise(CODE), carla)
    item = regrade.items.get()
    assert not services.record_item(item.pk, report(10), "forged")
    item.refresh_from_db()
    assert (item.state, item.new_score) == (RegradeItem.State.PENDING, None)
    assert record_item(item, report(9))
