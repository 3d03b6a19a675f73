"""The operations page: who may see it and re-send, what it shows from the database, and that it
renders with the broker down (the live queues and workers: tests/integration/test_operations_live.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from operations import broker
from operations.models import Resend
from operations.templatetags.operations import seconds
from submissions import services
from submissions.models import Submission
from tests import services as test_services
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def closed_broker(monkeypatch):
    """Redis and the broker at a port where nothing listens: the state of a broker outage."""
    from config.celery import app

    url = f"redis://127.0.0.1:{test_services.free_port()}/0"
    # Publishing goes through the app's cached connection pools: drop them on the way in and
    # out, so this test publishes to the closed port and later ones to their own broker.
    app._after_fork()
    monkeypatch.setattr(app.conf, "broker_url", url)
    yield url
    app._after_fork()


def _submission(course, student, status="queued", age=0, ran=None, **fields):
    """A submission made `age` seconds ago; `ran`: started that many seconds ago (running or finished)."""
    item = exercise("softmax-temperature")
    now = timezone.now()
    submission = Submission.objects.create(
        course=course,
        student=student,
        exercise=item,
        version=item.current_version,
        source=SOLUTION,
        status=status,
        max_score=10,
        **fields,
    )
    started = now - timedelta(seconds=ran) if ran is not None else None
    Submission.objects.filter(pk=submission.pk).update(created_at=now - timedelta(seconds=age), started_at=started)
    submission.refresh_from_db()
    return submission


def _page(client, user, course):
    client.force_login(user)
    return client.get(reverse("operations", args=[course.slug]))


def test_the_operations_page_is_for_the_courses_staff_only(client, carla, erin, alice, dave, course):
    url = reverse("operations", args=[course.slug])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user, expected in [(carla, 200), (erin, 200), (alice, 404), (dave, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == expected, user.username
        assert client.get(url, {"fragment": "1"}).status_code == expected, user.username


def test_only_the_courses_staff_may_resend_and_others_change_nothing(client, carla, erin, alice, dave, course):
    stuck = _submission(course, alice, "running", age=300, ran=200)
    url = reverse("operations_resend", args=[course.slug, stuck.pk])
    assert client.post(url).status_code == 302 and "/accounts/login/" in client.post(url)["Location"]
    for user in (alice, dave):
        client.force_login(user)
        assert client.post(url).status_code == 404, user.username
    stuck.refresh_from_db()
    assert stuck.status == "running" and not Resend.objects.exists()
    client.force_login(erin)
    assert client.get(url).status_code == 405  # a re-send is a POST
    assert client.post(url).status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == "queued" and Resend.objects.get().by == erin


def test_staff_cannot_resend_another_courses_submission_through_their_own(client, carla, dave, other_course, course):
    theirs = _submission(other_course, dave, "running", age=300, ran=200)
    client.force_login(carla)
    assert client.post(reverse("operations_resend", args=[course.slug, theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "running"


def test_the_course_page_links_staff_to_operations_and_not_students(client, carla, alice, course):
    link = reverse("operations", args=[course.slug])
    client.force_login(carla)
    assert f'href="{link}"' in client.get(reverse("course", args=[course.slug])).content.decode()
    client.force_login(alice)
    assert link not in client.get(reverse("course", args=[course.slug])).content.decode()


def test_with_the_broker_down_the_page_renders_and_says_no_worker_answered(client, carla, course, monkeypatch):
    from config.celery import app

    asked = []
    monkeypatch.setattr(app.control, "inspect", lambda *a, **k: asked.append(k) or pytest.fail("inspected"))
    page = _page(client, carla, course)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="ops-broker-down"' in html
    assert "Nenhum worker respondeu em 1 s" in html or "No worker answered in 1 s" in html
    assert asked == []  # with Redis down nothing waits on the workers
    assert broker.INSPECT_TIMEOUT <= 1.0


def test_running_jobs_show_their_age_and_the_ones_past_their_time_limit_are_stuck(client, carla, alice, bob, course):
    limit = exercise("softmax-temperature").current_version.data["limits"]["wall_seconds"]
    fresh = _submission(course, alice, "running", age=10, ran=5)
    stuck = _submission(course, bob, "running", age=400, ran=limit + 61)
    html = _page(client, carla, course).content.decode()
    fresh_row = html.split(f'id="active-{fresh.pk}"')[1].split("</tr>")[0]
    stuck_row = html.split(f'id="active-{stuck.pk}"')[1].split("</tr>")[0]
    assert "badge stuck" not in fresh_row and "operations_resend" not in fresh_row and "<form" not in fresh_row
    assert "badge stuck" in stuck_row and reverse("operations_resend", args=[course.slug, stuck.pk]) in stuck_row
    assert "1 min 21 s" in stuck_row and f"{limit} s" in stuck_row


def test_a_queued_submission_is_stuck_after_the_stale_threshold(client, carla, alice, bob, course, settings):
    settings.OPERATIONS_STALE_SECONDS = 120
    waiting = _submission(course, alice, "queued", age=30)
    lost = _submission(course, bob, "queued", age=121)
    html = _page(client, carla, course).content.decode()
    assert "badge stuck" not in html.split(f'id="active-{waiting.pk}"')[1].split("</tr>")[0]
    assert "badge stuck" in html.split(f'id="active-{lost.pk}"')[1].split("</tr>")[0]
    # Waiting per queue, from the database (the broker is down, so its column says nothing).
    cpu_row = html.split('id="queue-cpu"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in cpu_row and '<td class="num" data-queue-length="cpu">—</td>' in cpu_row


def test_other_courses_submissions_never_show(client, carla, dave, other_course, course):
    theirs = _submission(other_course, dave, "running", age=400, ran=300)
    failed = _submission(
        other_course, dave, "sandbox_error", age=60, ran=50, finished_at=timezone.now(), report={"message": {}}
    )
    html = _page(client, carla, course).content.decode()
    assert f"#{theirs.pk}<" not in html and f"#{failed.pk}<" not in html


def test_the_slowest_gradings_of_the_last_day_come_first_ten_at_most(client, carla, alice, course):
    now = timezone.now()
    quick = [
        _submission(course, alice, "graded", age=500, ran=100 + n, finished_at=now - timedelta(seconds=90))
        for n in range(11)
    ]
    old = _submission(course, alice, "graded", age=90000, ran=89000, finished_at=now - timedelta(hours=25))
    html = _page(client, carla, course).content.decode()
    section = html.split('id="ops-slowest"')[1].split("</section>")[0]
    shown = [int(part.split("<")[0]) for part in section.split('">#')[1:]]
    # ran 100+n s and finished 90 s ago: took 10+n s; the slowest first, ten of them.
    assert shown == [s.pk for s in reversed(quick)][:10]
    assert old.pk not in shown and "20 s" in section


def test_recent_grader_failures_show_their_message(client, carla, alice, course):
    report = {
        "status": "sandbox_error",
        "message": {"pt": "Falha interna do corretor; esta tentativa não conta.", "en": "Internal grader failure."},
        "internal_error": "RuntimeError('fork server died')",
    }
    failed = _submission(
        course, alice, "sandbox_error", age=60, ran=50, finished_at=timezone.now(), report=report, charged=False
    )
    old = _submission(
        course,
        alice,
        "sandbox_error",
        age=90000,
        ran=89999,
        finished_at=timezone.now() - timedelta(hours=25),
        report=report,
    )
    section = _page(client, carla, course).content.decode().split('id="ops-errors"')[1].split("</section>")[0]
    assert f"#{failed.pk}<" in section and f"#{old.pk}<" not in section
    assert "Falha interna do corretor" in section and "RuntimeError(&#x27;fork server died&#x27;)" in section


def test_resending_puts_a_stuck_submission_back_in_the_queue_once_a_minute_as_the_same_attempt(
    client, carla, alice, course, django_capture_on_commit_callbacks
):
    stuck = _submission(course, alice, "running", age=400, ran=300)
    used = services.attempts_used(enrollment_of(alice, course), exercise("softmax-temperature"))
    url = reverse("operations_resend", args=[course.slug, stuck.pk])
    client.force_login(carla)
    with django_capture_on_commit_callbacks(execute=True) as published:
        page = client.post(url, follow=True)
    assert len(published) == 1  # the grading task goes out after the commit
    stuck.refresh_from_db()
    assert (stuck.status, stuck.started_at) == ("queued", None)
    record = Resend.objects.get()
    assert (record.submission, record.by, record.previous_status) == (stuck, carla, "running")
    # The broker is down here: the row stays queued, the page says so, and it can be sent again later.
    assert record.published is False
    assert "não foi possível alcançar o broker" in page.content.decode() or "broker could not" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True) as again:
        page = client.post(url, follow=True)
    assert again == [] and Resend.objects.count() == 1  # a minute has not passed
    # A minute later, but the submission was queued again only a minute ago: not stuck yet.
    Resend.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    client.post(url)
    assert Resend.objects.count() == 1
    # Waiting longer than the stale threshold since the re-send: stuck again, re-sent again.
    Resend.objects.update(created_at=timezone.now() - timedelta(seconds=200))
    client.post(url)
    assert Resend.objects.count() == 2
    assert Submission.objects.filter(student=alice).count() == 1
    assert services.attempts_used(enrollment_of(alice, course), exercise("softmax-temperature")) == used


def test_a_submission_that_is_not_stuck_is_not_resent(client, carla, alice, course):
    for submission in (
        _submission(course, alice, "running", age=30, ran=20),
        _submission(course, alice, "queued", age=5),
        _submission(course, alice, "graded", age=500, ran=100, finished_at=timezone.now()),
    ):
        client.force_login(carla)
        client.post(reverse("operations_resend", args=[course.slug, submission.pk]))
        status = submission.status
        submission.refresh_from_db()
        assert submission.status == status
    assert not Resend.objects.exists()


def test_the_fragment_is_the_panels_alone(client, carla, course):
    client.force_login(carla)
    html = client.get(reverse("operations", args=[course.slug]), {"fragment": "1"}).content.decode()
    assert 'id="ops-queues"' in html and "<html" not in html and "ops-panels" not in html


def test_queue_keys_follow_kombus_priority_naming():
    assert broker.redis_keys("cpu") == ["cpu", "cpu\x06\x163", "cpu\x06\x166", "cpu\x06\x169"]


def test_durations_read_short(settings):
    from django.utils import translation

    assert seconds(None) == "—"
    assert seconds(42) == "42 s" and seconds(125) == "2 min 5 s" and seconds(7380) == "2 h 3 min"
    assert seconds(timedelta(seconds=90)) == "1 min 30 s" and seconds(120) == "2 min"
    with translation.override("pt-br"):
        assert seconds(4.25) == "4,2 s"
    with translation.override("en"):
        assert seconds(4.25) == "4.2 s"
