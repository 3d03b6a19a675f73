"""Carla reads the gradebook in the browser: sorts it, filters it, opens a cell, downloads the CSV; on a phone too."""

import pytest

from tests.browser.axe import audit, describe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot, sticking_out
from tests.web.test_gradebook import code_attempt, quiz_attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_carla_sorts_filters_opens_a_cell_and_downloads_the_csv(
    live_server, chromium, django_user_model, alice, bob, carla, course, width
):
    from courses.models import Enrollment

    code_attempt(course, alice, score=4.0)
    code_attempt(course, bob, score=9.5, days_late=1, credit=0.9)
    quiz_attempt(course, bob, "temperature-name", score=1.0)
    caio = django_user_model.objects.create_user(username="caio", first_name="Caio", last_name="<b>Prado</b>")
    Enrollment.objects.create(course=course, user=caio, role="student")

    page = new_page(chromium, width=width, height=900 if width > 400 else 844)
    log_in(page, live_server.url, "carla")
    page.goto(f"{live_server.url}/c/{course.slug}/")
    page.click("#gradebook-link a")
    page.wait_for_selector("#gradebook")
    students = lambda: page.eval_on_selector_all("#gradebook tbody tr", "rows => rows.map(r => r.dataset.student)")  # noqa: E731
    assert students() == ["alice", "bob", "caio"]
    assert "<b>Prado</b>" in page.text_content("#gradebook")  # shown as text, not markup
    found = {}

    def check(name):
        violations = audit(page)
        if violations:
            found[name] = violations
        assert no_sideways_scroll(page) <= 0, (name, sticking_out(page))
        screenshot(page, f"{name}-{width}")

    check("gradebook")
    # Sort by the course total (highest first), then the other way round.
    page.click("th.gb-total a")
    page.wait_for_url("**sort=total**")
    assert students() == ["bob", "alice", "caio"]
    assert page.get_attribute("th.gb-total", "aria-sort") == "descending"
    page.click("th.gb-total a")
    page.wait_for_url("**order=asc**")
    assert students() == ["caio", "alice", "bob"]
    # Filter: students with late work, then by name.
    page.select_option("#g-show", "late")
    page.click("#gradebook-filters button[type=submit]")
    page.wait_for_url("**show=late**")
    assert students() == ["bob"]
    assert "◷" in page.text_content('tr[data-student="bob"]')
    check("gradebook-filtered")
    # The CSV of what is shown.
    with page.expect_download() as info:
        page.click("#csv-comma")
    download = info.value
    with open(download.path(), encoding="utf-8-sig") as f:
        text = f.read()
    assert download.suggested_filename.startswith("gradebook-nn-") and text.splitlines()[1].startswith("bob;")
    assert "8,55" in text  # 9.5 x 0.9, with a decimal comma
    # A cell opens the attempt it comes from, on the review page.
    page.click('tr[data-student="bob"] td[data-item="softmax-temperature"] a')
    page.wait_for_url("**/staff/review/submission/**")
    assert page.is_visible("#code") or page.is_visible("main")
    assert not found, describe(found)
