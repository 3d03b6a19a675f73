"""Recording results from workers: idempotent, validated, never beyond max_score."""

import pytest

from submissions import services
from submissions.models import Submission
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(alice, course):
    return services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)


def report(submission, **overrides):
    base = {
        "status": "graded",
        "score": 7.0,
        "max_score": 10.0,
        "charged": True,
        "content_hash": submission.version.content_hash,
        "checks": [{"name": "x", "passed": True, "score": 7, "max_score": 7, "feedback": {"pt": "ok", "en": "ok"}}],
    }
    return {**base, **overrides}


def test_running_then_graded(submission):
    assert services.mark_running(submission.pk, submission.token)
    submission.refresh_from_db()
    assert submission.status == "running" and submission.started_at
    assert services.record_result(submission.pk, report(submission), submission.token)
    submission.refresh_from_db()
    assert (submission.status, submission.score, submission.charged) == ("graded", 7.0, True)


def test_recording_a_result_twice_changes_nothing(submission):
    services.record_result(submission.pk, report(submission), submission.token)
    assert not services.record_result(submission.pk, report(submission, score=10.0), submission.token)
    submission.refresh_from_db()
    assert submission.score == 7.0


def test_a_late_running_message_does_not_reopen_a_graded_submission(submission):
    services.record_result(submission.pk, report(submission), submission.token)
    assert not services.mark_running(submission.pk, submission.token)
    assert Submission.objects.get(pk=submission.pk).status == "graded"


def test_a_score_above_the_maximum_is_capped(submission):
    services.record_result(submission.pk, report(submission, score=1e9), submission.token)
    assert Submission.objects.get(pk=submission.pk).score == 10.0


@pytest.mark.parametrize(
    "bad",
    [{"status": "pwned"}, {"score": "10"}, {"score": float("nan")}, {"content_hash": "0" * 64}],
)
def test_malformed_reports_become_uncharged_infrastructure_errors(submission, bad):
    services.record_result(submission.pk, report(submission, **bad), submission.token)
    submission.refresh_from_db()
    assert (submission.status, submission.score, submission.charged) == ("sandbox_error", 0.0, False)


def test_sandbox_errors_are_not_charged(submission):
    services.record_result(
        submission.pk, report(submission, status="sandbox_error", score=0, charged=False), submission.token
    )
    assert Submission.objects.get(pk=submission.pk).charged is False


def test_result_for_an_unknown_submission_is_dropped(db):
    assert services.record_result(999_999, {"status": "graded", "score": 1}, "any") is False


@pytest.mark.parametrize("token", ["", "forged", None, 12345])
def test_a_result_without_the_submissions_token_is_refused(submission, token):
    assert not services.record_result(submission.pk, report(submission, score=10.0), token)
    submission.refresh_from_db()
    assert (submission.status, submission.score, submission.finished_at) == ("queued", None, None)
    # The genuine result still counts afterwards.
    assert services.record_result(submission.pk, report(submission), submission.token)


def test_another_submissions_token_does_not_open_this_one(submission, alice, course):
    other = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
    assert other.token and other.token != submission.token
    assert not services.record_result(submission.pk, report(submission, score=10.0), other.token)
    assert not services.mark_running(submission.pk, other.token)
    assert Submission.objects.get(pk=submission.pk).status == "queued"


def test_the_token_travels_in_the_task_and_never_reaches_a_page(client, alice, submission):
    from django.urls import reverse

    assert services.grading_payload(submission)["token"] == submission.token
    client.force_login(alice)
    for name in ("submission", "submission_status"):
        assert submission.token not in client.get(reverse(name, args=[submission.pk])).content.decode()


def test_a_report_of_another_format_version_is_not_graded(submission):
    services.record_result(submission.pk, report(submission, version=2), submission.token)
    submission.refresh_from_db()
    assert (submission.status, submission.charged) == ("sandbox_error", False)


def test_an_uncharged_attempt_says_why_and_what_to_do_and_a_charged_one_does_not(client, alice, submission):
    from django.urls import reverse

    client.force_login(alice)
    services.record_result(
        submission.pk, report(submission, status="sandbox_error", score=0, charged=False), submission.token
    )
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    notice = page[page.index('id="not-charged"') :][:600]
    assert "hidden" not in notice.split(">")[0]
    assert (
        "Não cobrada." in notice
        and "não por causa do seu código" in notice
        and "envie o mesmo código" in notice.lower()
    )
    # The attempt list says so too, and the attempt was not counted.
    listing = client.get(reverse("exercise", args=["nn", "softmax-temperature"])).content.decode()
    assert "não cobrada" in listing
    assert services.attempts_used(enrollment_of(alice, submission.course), submission.exercise) == 0

    charged = services.submit_code(enrollment_of(alice, submission.course), submission.exercise, SOLUTION)
    services.record_result(charged.pk, report(charged), charged.token)
    page = client.get(reverse("submission", args=[charged.pk])).content.decode()
    assert 'id="not-charged" class="notice" role="note" hidden' in page


def test_the_page_says_whether_it_is_final_before_any_poll(client, alice, submission):
    # A grading faster than the redirect: the page is rendered final, and says so where the poller would.
    from django.urls import reverse

    client.force_login(alice)
    url = reverse("submission", args=[submission.pk])
    assert 'id="status-card" data-final="false"' in client.get(url).content.decode()
    services.record_result(submission.pk, report(submission), submission.token)
    assert 'id="status-card" data-final="true"' in client.get(url).content.decode()
