"""The operations page in Chromium, wide and on a phone, against the real workers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.axe import audit, describe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot
from tests.conftest import SOLUTION, exercise

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _row(course, student, status, age, ran=None, **fields):
    from submissions.models import Submission

    item = exercise("softmax-temperature")
    now = timezone.now()
    submission = Submission.objects.create(
        course=course, student=student, exercise=item, version=item.current_version, source=SOLUTION,
        status=status, max_score=10, **fields,
    )  # fmt: skip
    Submission.objects.filter(pk=submission.pk).update(
        created_at=now - timedelta(seconds=age), started_at=now - timedelta(seconds=ran) if ran else None
    )
    return submission


@pytest.fixture
def busy_course(course, alice, bob):
    now = timezone.now()
    report = {
        "status": "sandbox_error",
        "message": {"pt": "Falha interna do corretor; esta tentativa não conta.", "en": "Internal grader failure."},
        "internal_error": "RuntimeError('the fork server did not answer within 10 s: /run/grader/forkserver.sock')",
    }
    return {
        "stuck": _row(course, alice, "running", age=900, ran=800),
        "waiting": _row(course, bob, "queued", age=20),
        "slow": _row(course, bob, "graded", age=300, ran=250, score=10, finished_at=now - timedelta(seconds=200)),
        "failed": _row(
            course, alice, "sandbox_error", age=100, ran=90, finished_at=now, report=report, charged=False, score=0
        ),
    }


def test_an_instructor_reads_the_operations_page_wide_and_on_a_phone(
    grading_stack, live_server, chromium, carla, course, busy_course
):
    url = f"{live_server.url}/c/{course.slug}/staff/operations/"
    for width, height, name in [(1280, 900, "wide"), (390, 844, "phone")]:
        page = new_page(chromium, width, height)
        log_in(page, live_server.url, "carla")
        page.goto(url)
        assert page.locator('[data-worker="grader@test"]').count() == 1
        assert page.locator(f"#active-{busy_course['stuck'].pk} .badge.stuck").count() == 1
        assert page.locator("#ops-refresh").is_visible()  # the auto-refresh exists with JavaScript
        found = audit(page)
        assert not found, describe({name: found})
        assert no_sideways_scroll(page) <= 0, name
        screenshot(page, f"operations-{name}")
        page.context.close()


def test_the_page_refreshes_itself_and_the_resend_button_works(
    grading_stack, live_server, chromium, carla, course, busy_course
):
    from tests.conftest import wait_until_final

    page = new_page(chromium)
    log_in(page, live_server.url, "carla")
    page.goto(f"{live_server.url}/c/{course.slug}/staff/operations/")
    page.wait_for_function("() => document.querySelector('#ops-updated').textContent.trim() !== ''", timeout=20_000)
    stuck = busy_course["stuck"]
    page.click(f"#active-{stuck.pk} button[type=submit]")
    page.wait_for_load_state()
    assert f"#{stuck.pk}" in page.text_content(".flash")
    graded = wait_until_final(stuck.pk)
    assert (graded.status, graded.score) == ("graded", 10.0)
    screenshot(page, "operations-resent")


def test_without_javascript_the_page_has_no_refresh_switch(live_server, chromium, carla, course):
    context = chromium.new_context(java_script_enabled=False, locale="pt-BR")
    page = context.new_page()
    log_in(page, live_server.url, "carla")
    page.goto(f"{live_server.url}/c/{course.slug}/staff/operations/")
    assert page.locator("#ops-panels").is_visible() and not page.locator("#ops-refresh").is_visible()
    context.close()
