"""The training chart on the submission page: drawn live as a real worker grades, kept after grading."""

import re

import pytest

from submissions import services
from tests.browser import axe
from tests.conftest import ROOT, SOLUTION, enrollment_of, exercise, wait_until_final

pytestmark = [
    pytest.mark.browser,
    pytest.mark.page_audit,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

SCREENS = ROOT / "var" / "screens"

# Trains (pretends to) for about four seconds while the module loads: the probe lets five events a second out.
TRAINING = (
    SOLUTION
    + """
import math
import time
from grader_progress import report
for step in range(0, 301, 10):
    report(step, 300, loss=0.4 + 1.9 * math.exp(-step / 80), accuracy=0.95 - 0.85 * math.exp(-step / 60))
    time.sleep(0.13)
"""
)


def _log_in(page, base):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-pass-123")
    page.press("#id_password", "Enter")
    page.wait_for_load_state()


def _points(page) -> int:
    """How many points the chart's lines have, all lines together."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#chart polyline')]
                 .reduce((n, line) => n + line.getAttribute('points').trim().split(/\\s+/).length, 0)"""
    )


def _sentence(kind: str, **known) -> re.Pattern:
    """The caption's sentence of that kind, as the page's language says it; unknown numbers match any."""
    from django.utils import translation

    from submissions import charts

    with translation.override("pt-br"):
        template = charts.labels()[kind]
    pattern = re.escape(template)
    for name in ("metric", "first", "last", "first_step", "last_step"):
        value = re.escape(known[name]) if name in known else r"[\d.,]+"
        pattern = pattern.replace(re.escape(f"%({name})s"), value)
    return re.compile(pattern)


def _shoot(page, name: str, width: int) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.screenshot(path=str(SCREENS / f"chart-{name}-{width}.png"), full_page=True)


def test_the_chart_grows_while_training_and_stays_after_grading(
    grading_stack, live_server, browser_page, alice, course
):
    from grader import progress

    page = browser_page
    _log_in(page, live_server.url)
    submission = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), TRAINING)
    page.goto(f"{live_server.url}/submissions/{submission.pk}/")

    page.wait_for_function("() => document.querySelectorAll('#chart polyline').length > 0")
    first = _points(page)
    page.wait_for_timeout(1200)
    second = _points(page)
    assert second > first, (first, second)
    assert page.get_attribute("#status", "class") == "badge running"
    assert page.is_visible("#progress-bar")
    caption = page.text_content("#chart-caption")
    assert _sentence("fell", metric="loss", first="2,3", first_step="0").search(caption), caption
    _shoot(page, "running", 1280)
    _shoot(page, "running", 390)
    page.set_viewport_size({"width": 1280, "height": 900})

    wait_until_final(submission.pk)
    page.wait_for_selector("#status.graded")
    last = _sentence("fell", metric="loss", first="2,3", first_step="0", last_step="300")
    page.wait_for_function(
        "pattern => new RegExp(pattern).test(document.getElementById('chart-caption').textContent)", arg=last.pattern
    )
    final_points = _points(page)
    assert final_points >= second
    assert page.is_hidden("#progress")
    assert _sentence("rose", metric="accuracy", first="0,1", first_step="0", last_step="300").search(
        page.text_content("#chart-caption")
    )
    page.click("#chart-details summary")
    assert page.locator("#chart-table tbody tr").count() >= 5
    assert page.text_content("#chart-table tbody tr:last-child td:first-child") == "300"
    _shoot(page, "graded", 1280)

    # An hour later the live keys are gone: the page draws the chart from the stored report.
    redis = progress.client(grading_stack["redis"].url)
    redis.delete(progress.key(submission.pk), progress.series_key(submission.pk), progress.meta_key(submission.pk))
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#chart polyline').length > 0")
    assert _points(page) == final_points
    assert page.locator("#chart svg").count() == 2  # loss, and accuracy on its own scale
    assert last.search(page.text_content("#chart-caption"))  # as the server wrote it
    assert page.locator("#chart-table tbody tr").count() >= 5  # the table came with the page
    page.click("#chart-details summary")
    assert not axe.audit(page), axe.describe({"graded": axe.audit(page)})

    page.set_viewport_size({"width": 360, "height": 800})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("#chart svg").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    _shoot(page, "graded", 390)


def test_a_submission_without_progress_shows_no_chart(grading_stack, live_server, browser_page, alice, course):
    page = browser_page
    _log_in(page, live_server.url)
    submission = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
    page.goto(f"{live_server.url}/submissions/{submission.pk}/")
    page.wait_for_selector("#status.graded")
    assert page.is_hidden("#chart")
    page.reload()
    assert page.is_hidden("#chart")
