"""Browser: an instructor runs the course from its settings page, wide and on a phone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from courses.models import CourseLesson, Enrollment
from tests.browser.axe import audit, describe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "username,email,first_name,last_name,role\n"
    "nina,nina@example.com,Nina,<b>Alves</b>,\n"
    "omar,omar@example.com,Omar,,assistant\n"
)


def _check(page, name: str, found: dict) -> None:
    screenshot(page, name)
    wider = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
           .slice(-5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + e.getBoundingClientRect().right)"""
    )
    assert no_sideways_scroll(page) <= 0, f"{name} scrolls sideways: {wider}"
    violations = audit(page)
    if violations:
        found[name] = violations


def test_an_instructor_sets_dates_and_the_penalty_and_enrols_a_csv(
    live_server, chromium, carla, alice, course, tmp_path, broker, redis_server
):
    found: dict = {}
    page = new_page(chromium)
    log_in(page, live_server.url, "carla")
    settings_url = live_server.url + f"/c/{course.slug}/staff/settings/"
    page.goto(settings_url)
    form = page.locator("#lesson-chatgpt")
    form.locator("input[name=opens_at]").fill("2030-03-01T08:00")
    form.locator("input[name=due_at]").fill("2030-03-10T23:59")
    form.locator("select[name=late_policy]").select_option("penalty")
    form.locator("input[name=penalty_percent]").fill("10")
    form.locator("input[name=penalty_max_days]").fill("5")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#lesson-chatgpt .notice").is_visible()
    row = CourseLesson.objects.get(course=course, lesson__slug="chatgpt")
    assert timezone.localtime(row.opens_at).strftime("%Y-%m-%d %H:%M") == "2030-03-01 08:00"
    assert timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M") == "2030-03-10 23:59"
    assert (row.late_policy, row.penalty_percent, row.penalty_max_days) == ("penalty", 10, 5)
    assert page.locator("#lesson-chatgpt input[name=due_at]").input_value() == "2030-03-10T23:59"
    _check(page, "course-admin-settings-1280", found)

    # An open date after the due date: explained, nothing saved, the typed value kept.
    form = page.locator("#lesson-chatgpt")
    form.locator("input[name=opens_at]").fill("2030-03-11T08:00")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#chatgpt-opens_at-error").is_visible()
    assert page.locator("#lesson-chatgpt .notice").count() == 0  # no stale "Saved."
    assert page.locator("#lesson-chatgpt input[name=opens_at]").input_value() == "2030-03-11T08:00"
    _check(page, "course-admin-settings-error-1280", found)

    csv_file = tmp_path / "turma.csv"
    csv_file.write_bytes(b"\xef\xbb\xbf" + CSV.encode())
    page.goto(live_server.url + f"/c/{course.slug}/staff/enrol/")
    page.set_input_files("#csv-file", str(csv_file))
    page.click("#csv-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#csv-ok").is_visible()
    # The welcome mails wait for the background worker, as one task on its queue.
    import redis

    assert page.get_attribute("#csv-mail", "data-state") == "queued"
    assert redis.Redis.from_url(redis_server.url).llen("bulk") == 1
    assert page.locator("#csv-report").get_by_text("<b>Alves</b>").count() == 1  # shown as text
    assert Enrollment.objects.filter(course=course, user__username="omar", role="assistant").exists()
    _check(page, "course-admin-csv-1280", found)

    page.goto(live_server.url + f"/c/{course.slug}/staff/l/chatgpt/extensions/")
    _check(page, "course-admin-extensions-1280", found)

    phone = new_page(chromium, width=390, height=844)
    log_in(phone, live_server.url, "carla")
    for path, name in [
        (f"/c/{course.slug}/staff/settings/", "course-admin-settings-390"),
        (f"/c/{course.slug}/staff/enrol/", "course-admin-csv-390"),
        (f"/c/{course.slug}/staff/l/chatgpt/extensions/", "course-admin-extensions-390"),
        ("/courses/new/", None),
    ]:
        response = phone.goto(live_server.url + path)
        if name is None:
            assert response.status == 404  # carla is no site staff: COURSE_CREATORS is "staff"
            continue
        _check(phone, name, found)

    # The student sees when the lesson opens, and nothing of it.
    student = new_page(chromium, width=390, height=844)
    log_in(student, live_server.url, "alice")
    student.goto(live_server.url + f"/c/{course.slug}/l/chatgpt/")
    assert student.locator("#not-open").is_visible()
    _check(student, "course-admin-not-open-390", found)
    assert not found, describe(found)
