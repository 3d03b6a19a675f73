"""A regrade in Chromium: carla starts it, watches the preview fill as the real worker grades, and applies it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.axe import audit, describe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot, sticking_out
from tests.conftest import NAIVE_SOFTMAX, SOLUTION, exercise, pause_grader, resume_grader

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CODE = "softmax-temperature"


def graded_on_an_older_version(course, students):
    """Attempts graded by an older version of the exercise, whose checks scored them otherwise."""
    from catalog.models import ExerciseVersion
    from submissions.models import Submission

    item = exercise(CODE)
    old = ExerciseVersion.objects.create(exercise=item, content_hash="0" * 64, data=item.current_version.data)
    now = timezone.now()
    made = []
    for student, source, score in students:
        made.append(
            Submission.objects.create(
                course=course, student=student, exercise=item, version=old, source=source, status="graded",
                score=score, max_score=10, report={"status": "graded", "score": score, "checks": []},
                started_at=now - timedelta(minutes=5), finished_at=now - timedelta(minutes=5),
            )
        )  # fmt: skip
    return made


def check_page(page, name):
    found = audit(page)
    assert not found, describe({name: found})
    assert no_sideways_scroll(page) <= 0, (name, sticking_out(page))
    screenshot(page, f"regrade-{name}")


def test_an_instructor_starts_a_regrade_watches_the_preview_fill_and_applies_it(
    grading_stack, live_server, chromium, carla, alice, bob, course
):
    from regrade.models import Regrade
    from submissions.models import Submission

    naive, right = graded_on_an_older_version(course, [(alice, NAIVE_SOFTMAX, 10), (bob, SOLUTION, 6)])
    app = grading_stack["app"]
    page = new_page(chromium)
    log_in(page, live_server.url, "carla")
    page.goto(f"{live_server.url}/c/{course.slug}/")
    page.click("#regrade-link a")
    check_page(page, "index-wide")
    page.click(f'a[href$="/staff/regrade/new/{CODE}/"]')
    page.check('input[name="scope"][value="older"]')
    check_page(page, "new-wide")

    pause_grader(app)  # the worker steps aside, so the page is seen while it waits
    try:
        page.click("#regrade-start-button")
        page.wait_for_load_state()
        assert page.get_attribute("#regrade-progress", "data-status") == "running"
        assert page.text_content("#count-pending strong").strip() == "2"
        assert page.locator("#apply-button").count() == 0
        check_page(page, "running-wide")
    finally:
        resume_grader(app)

    # The page fills in by itself, then shows the decision once every attempt is graded.
    page.wait_for_selector("#apply-button", timeout=120_000)
    assert page.text_content("#count-up strong").strip() == "1"
    assert page.text_content("#count-down strong").strip() == "1"
    alice_row = page.locator(f"#student-{alice.pk}")
    assert alice_row.get_attribute("data-direction") == "down"
    assert alice_row.locator("[data-old]").text_content().strip() == "10"
    assert alice_row.locator("[data-new]").text_content().strip() == "7"
    check_page(page, "ready-wide")

    regrade = Regrade.objects.get()
    phone = new_page(chromium, 390, 844)
    log_in(phone, live_server.url, "carla")
    phone.goto(f"{live_server.url}/c/{course.slug}/staff/regrade/{regrade.pk}/")
    check_page(phone, "ready-phone")
    phone.goto(f"{live_server.url}/c/{course.slug}/staff/regrade/new/{CODE}/")
    check_page(phone, "new-phone")
    phone.context.close()

    page.click("#apply-button")
    page.wait_for_load_state()
    assert page.locator("#regrade-applied").is_visible()
    assert page.locator(".flash.success").count() == 1
    check_page(page, "applied-wide")
    assert dict(Submission.objects.values_list("pk", "score")) == {naive.pk: 7.0, right.pk: 10.0}
    page.context.close()
