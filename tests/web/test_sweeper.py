"""The sweeper against a real Redis of its own (no worker consumes it): what it re-sends, and what not."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from submissions import services, sweeper
from submissions.models import Submission
from tests import services as test_services
from tests.conftest import SOLUTION, enrol_students, enrollment_of, exercise

pytestmark = pytest.mark.django_db

SLUG = "softmax-temperature"  # a cpu exercise


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    server = test_services.RedisServer(port=test_services.free_port(), workdir=tmp_path_factory.mktemp("sweep-redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def queue_broker(private_redis, settings):
    from config.celery import app

    settings.SWEEP_PUBLISH_GRACE_SECONDS = 0
    client = redis.Redis.from_url(private_redis.url)
    client.flushall()
    previous = test_services.use_broker(app, private_redis.url)
    yield client
    test_services.use_broker(app, previous)


def waiting_ids(client, queue="cpu") -> list[int]:
    """Submission ids on a queue, in the order a worker takes them (kombu pushes left, pops right)."""
    messages = [json.loads(m) for m in reversed(client.lrange(queue, 0, -1))]
    return [int(m["headers"]["id"].split("-")[1]) for m in messages]


def submit(user, course):
    return services.submit_code(enrollment_of(user, course), exercise(SLUG), SOLUTION)


def run_on_commit(django_capture_on_commit_callbacks, user, course):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(user, course)


def an_hour_ago(*submissions):
    Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(created_at=timezone.now() - timedelta(hours=1))


def test_a_submission_made_while_the_broker_was_down_is_published_by_the_sweeper(
    queue_broker, django_capture_on_commit_callbacks, alice, course, monkeypatch
):
    from config.celery import app

    good = app.conf.broker_url
    test_services.use_broker(app, "redis://127.0.0.1:1/0")  # nobody listens there
    submission = run_on_commit(django_capture_on_commit_callbacks, alice, course)
    submission.refresh_from_db()
    assert (submission.status, submission.published_at, submission.deliveries) == ("queued", None, 0)
    assert services.grading_delayed(submission, now=timezone.now() + timedelta(seconds=10))

    report = sweeper.sweep()
    assert not report.broker_reachable and not report  # still down: nothing sent, nothing given up

    test_services.use_broker(app, good)
    report = sweeper.sweep()
    assert report.published == [submission.pk] and not report.resent
    submission.refresh_from_db()
    assert submission.published_at and submission.deliveries == 1
    assert waiting_ids(queue_broker) == [submission.pk]
    assert not services.grading_delayed(submission)


def test_work_waiting_behind_a_long_queue_is_never_sent_twice(queue_broker, django_capture_on_commit_callbacks, course):
    students = enrol_students(course, 6)
    made = [run_on_commit(django_capture_on_commit_callbacks, s, course) for s in students]
    an_hour_ago(*made)  # far older than any threshold: only the broker's contents can tell they wait
    for _ in range(3):
        assert not sweeper.sweep()
    assert waiting_ids(queue_broker) == [s.pk for s in made]
    assert set(Submission.objects.values_list("deliveries", flat=True)) == {1}


def test_what_a_redis_restart_lost_is_sent_again_in_submission_order(
    queue_broker, django_capture_on_commit_callbacks, course
):
    students = enrol_students(course, 5)
    made = [run_on_commit(django_capture_on_commit_callbacks, s, course) for s in students]
    queue_broker.flushall()  # what a restart without persistence leaves
    report = sweeper.sweep()
    assert report.resent == [s.pk for s in made]
    assert waiting_ids(queue_broker) == [s.pk for s in made]
    assert not sweeper.sweep()  # and once only
    assert set(Submission.objects.values_list("deliveries", flat=True)) == {2}


def test_a_notice_on_its_way_back_means_the_work_is_not_lost(
    queue_broker, django_capture_on_commit_callbacks, alice, course
):
    from config.celery import app

    submission = run_on_commit(django_capture_on_commit_callbacks, alice, course)
    queue_broker.delete("cpu")  # a worker took it and acknowledged it
    app.send_task(
        "submissions.record_result",
        args=[submission.pk, {}, "t"],
        queue="results",
        task_id=f"result-{submission.pk}-abc",
    )
    assert not sweeper.sweep()


def take_without_acknowledging(client, queue="cpu") -> str:
    """What a worker's prefetch does in kombu's Redis transport: the message moves to `unacked`."""
    raw = client.rpop(queue)
    message = json.loads(raw)
    tag = message["properties"]["delivery_tag"]
    client.hset("unacked", tag, json.dumps([message, "", queue]))
    client.zadd("unacked_index", {tag: timezone.now().timestamp()})
    return tag


def test_a_submission_running_far_past_its_time_limit_is_sent_again_and_its_dead_copy_dropped(
    queue_broker, django_capture_on_commit_callbacks, alice, course, settings
):
    submission = run_on_commit(django_capture_on_commit_callbacks, alice, course)
    tag = take_without_acknowledging(queue_broker)
    assert services.mark_running(submission.pk, submission.token)
    assert not sweeper.sweep()  # running, within its time: left alone

    limit = sweeper.time_limit_seconds(submission)
    Submission.objects.filter(pk=submission.pk).update(
        started_at=timezone.now() - timedelta(seconds=limit + settings.SWEEP_RUNNING_GRACE_SECONDS + 5)
    )
    report = sweeper.sweep()
    assert report.resent == [submission.pk]
    assert not queue_broker.hexists("unacked", tag)  # Redis will not hand the dead copy out again
    submission.refresh_from_db()
    assert (submission.status, submission.started_at, submission.deliveries) == ("queued", None, 2)
    assert waiting_ids(queue_broker) == [submission.pk]
    assert services.grading_delayed(submission)


def test_a_submission_sent_too_often_is_marked_not_gradable_and_not_charged(
    queue_broker, django_capture_on_commit_callbacks, alice, course, settings, client
):
    from django.urls import reverse

    settings.SWEEP_MAX_DELIVERIES = 2
    submission = run_on_commit(django_capture_on_commit_callbacks, alice, course)
    queue_broker.flushall()
    assert sweeper.sweep().resent == [submission.pk]
    queue_broker.flushall()
    report = sweeper.sweep()
    assert report.given_up == [submission.pk] and not report.resent
    submission.refresh_from_db()
    assert (submission.status, submission.charged, submission.score) == ("sandbox_error", False, 0.0)
    assert services.attempts_used(enrollment_of(alice, course), submission.exercise) == 0
    client.force_login(alice)
    data = client.get(reverse("submission_status", args=[submission.pk])).json()
    assert data["final"] and data["charged"] is False and not data["delayed"]
    assert "2" in data["message"]


def test_the_page_says_grading_is_delayed_while_a_submission_waits_unpublished(client, alice, course):
    from django.urls import reverse

    submission = submit(alice, course)  # never published: no on-commit here
    Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    client.force_login(alice)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    notice = page[page.index('id="delayed"') :][:400]
    assert "hidden" not in notice.split(">")[0] and "A correção está atrasada." in notice
    assert client.get(reverse("submission_status", args=[submission.pk])).json()["delayed"] is True
    # A submission on its way as usual says nothing of the kind.
    Submission.objects.filter(pk=submission.pk).update(published_at=timezone.now(), deliveries=1)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert 'id="delayed" class="notice" role="note" hidden' in page


def test_a_row_made_before_tokens_gets_one_before_its_task_goes_out(queue_broker, alice, course):
    submission = submit(alice, course)
    Submission.objects.filter(pk=submission.pk).update(token="")  # as a row from before the upgrade
    assert sweeper.sweep().published == [submission.pk]
    submission.refresh_from_db()
    message = json.loads(queue_broker.lrange("cpu", 0, -1)[0])
    assert submission.token and message["headers"]["id"] == submission.task_id
    assert services.mark_running(submission.pk, submission.token)
