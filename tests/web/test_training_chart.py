"""The training chart's data in status.json (live from Redis, then from the report) and its server-rendered text."""

import pytest
from django.urls import reverse
from django.utils import translation

from grader import progress
from submissions import charts
from submissions.models import Submission
from tests.conftest import SOLUTION, exercise

pytestmark = pytest.mark.django_db

SERIES = {"names": ["loss", "accuracy"], "total": 300, "points": [[0, 2.3125, 0.1], [150, 1.0, 0.5], [300, 0.42, 0.9]]}


def _submission(user, course, status, report=None):
    item = exercise("softmax-temperature")
    return Submission.objects.create(
        course=course,
        student=user,
        exercise=item,
        version=item.current_version,
        source=SOLUTION,
        max_score=10,
        status=status,
        score=10 if report else None,
        report=report,
    )


@pytest.fixture
def redis_url(redis_server, settings):
    progress.client(redis_server.url).flushdb()
    settings.REDIS_URL = redis_server.url
    return redis_server.url


def test_while_running_status_json_sends_only_the_points_the_page_lacks(client, alice, course, redis_url):
    submission = _submission(alice, course, Submission.Status.RUNNING)
    recorder = progress.Recorder(redis_url, submission.pk)
    for step in range(1, 11):
        recorder({"step": step, "total": 10, "metrics": {"loss": 1 / step}})
    client.force_login(alice)
    url = reverse("submission_status", args=[submission.pk])
    whole = client.get(url).json()["series"]
    assert (whole["from"], whole["count"], len(whole["points"])) == (0, 10, 10)
    tail = client.get(url, {"since": 8, "epoch": whole["epoch"]}).json()["series"]
    assert (tail["from"], [p[0] for p in tail["points"]]) == (8, [9, 10])
    stale = client.get(url, {"since": 8, "epoch": whole["epoch"] + 1}).json()["series"]
    assert stale["from"] == 0 and len(stale["points"]) == 10
    nonsense = client.get(url, {"since": "-3", "epoch": "x"}).json()["series"]
    assert nonsense["from"] == 0


def test_once_graded_status_json_and_the_page_show_the_stored_series(client, alice, course, redis_url):
    submission = _submission(alice, course, Submission.Status.GRADED, {"status": "graded", "progress_series": SERIES})
    client.force_login(alice)
    series = client.get(reverse("submission_status", args=[submission.pk])).json()["series"]
    assert series["points"] == SERIES["points"] and series["names"] == ["loss", "accuracy"]
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert '<figure id="chart" class="chart">' in page  # not hidden
    # The text alternative needs no script: the caption and the table, in the page's locale (pt-BR).
    with translation.override("pt-br"):
        text = charts.labels()
    steps = {"first_step": "0", "last_step": "300"}
    assert text["fell"] % {"metric": "loss", "first": "2,312", "last": "0,42", **steps} in page
    assert text["rose"] % {"metric": "accuracy", "first": "0,1", "last": "0,9", **steps} in page
    assert "<td>150</td><td>1</td><td>0,5</td>" in page
    assert 'id="chart-series"' in page and "2.3125" in page


def test_a_long_series_shows_a_table_of_fifty_evenly_spaced_points(client, alice, course):
    points = [[step, 1 / (step + 1)] for step in range(400)]
    report = {"status": "graded", "progress_series": {"names": ["loss"], "total": 400, "points": points}}
    submission = _submission(alice, course, Submission.Status.GRADED, report)
    client.force_login(alice)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    table = page.split('id="chart-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 51  # the header and 50 rows
    assert "<td>0</td>" in table and "<td>399</td>" in table


def test_without_progress_the_chart_is_hidden(client, alice, course):
    submission = _submission(alice, course, Submission.Status.GRADED, {"status": "graded"})
    client.force_login(alice)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert '<figure id="chart" class="chart" hidden>' in page
    assert client.get(reverse("submission_status", args=[submission.pk])).json()["series"] is None


def test_the_status_is_announced_politely_and_the_progress_bar_has_a_name(client, alice, course):
    submission = _submission(alice, course, Submission.Status.RUNNING)
    client.force_login(alice)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert '<p class="status-line" role="status" aria-live="polite" aria-atomic="true">' in page
    assert '<label for="progress-bar">' in page
    assert page.count("aria-live") == 1  # the chart's caption is no live region
