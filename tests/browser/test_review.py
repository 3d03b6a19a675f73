"""Carla reviews in the browser: moves through the queue with j, confirms with c, overrides a crash; alice sees it."""

import pytest

from tests.browser.axe import audit, describe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot
from tests.web.test_review import crashed, free_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_page(page, name: str, found: dict) -> None:
    assert no_sideways_scroll(page) <= 0, f"{name} scrolls sideways"
    violations = audit(page)
    if violations:
        found[name] = violations
    screenshot(page, name)


def shortcut(page, key: str) -> None:
    """Press a review shortcut once the page's deferred script has bound it (it runs before DOMContentLoaded)."""
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press(key)


def test_carla_moves_through_the_queue_confirms_and_overrides_and_alice_sees_it(
    live_server, chromium, alice, bob, carla, course
):
    answer = free_text(course, bob)
    crash = crashed(course, alice, source="def softmax(z):\n    raise ValueError('<b>boom</b>')\n")
    found: dict[str, list] = {}
    page = new_page(chromium)
    log_in(page, live_server.url, "carla")
    page.goto(f"{live_server.url}/c/{course.slug}/")
    page.click("#review-link a")
    assert "2" in page.text_content("#queue-count")
    check_page(page, "review-queue", found)
    page.click("#queue a")  # the oldest: bob's free-text answer
    assert f"/answer/{answer.pk}/" in page.url
    check_page(page, "review-answer", found)

    shortcut(page, "j")
    page.wait_for_url(f"**/submission/{crash.pk}/**")
    assert "<b>boom</b>" in page.text_content("#code")
    check_page(page, "review-submission", found)
    shortcut(page, "k")
    page.wait_for_url(f"**/answer/{answer.pk}/**")

    # Typing "c" in a field confirms nothing.
    page.focus("#id_reason")
    page.keyboard.type("c")
    assert page.input_value("#id_reason") == "c"
    page.fill("#id_reason", "")
    page.locator("body").click(position={"x": 5, "y": 5})
    shortcut(page, "c")
    page.wait_for_selector(".flash")
    assert "bob" in page.text_content(".flash")
    answer.refresh_from_db()
    assert answer.provisional is False

    shortcut(page, "j")
    page.wait_for_url(f"**/submission/{crash.pk}/**")
    shortcut(page, "o")
    assert page.evaluate("document.activeElement.id") == "id_new_score"
    page.keyboard.type("7,5")
    page.fill("#id_reason", "The sandbox failed, not your code")
    page.fill("#id_comment_for_student", "Counted as if it ran.")
    page.click("#override-button")
    page.wait_for_selector("#override-in-force")
    assert "7,5" in page.text_content("#effective-score")

    phone = new_page(chromium, 390, 844)
    log_in(phone, live_server.url, "carla")
    phone.goto(f"{live_server.url}/c/{course.slug}/staff/review/")
    check_page(phone, "review-queue-phone", found)
    phone.goto(f"{live_server.url}/c/{course.slug}/staff/review/submission/{crash.pk}/")
    check_page(phone, "review-submission-phone", found)

    student = new_page(chromium, 390, 844)
    log_in(student, live_server.url, "alice")
    student.goto(f"{live_server.url}/submissions/{crash.pk}/")
    note = student.text_content(".score-changed")
    assert "7,5" in note and "The sandbox failed, not your code" in note and "Counted as if it ran." in note
    check_page(student, "review-student-submission-phone", found)
    student.goto(f"{live_server.url}/c/{course.slug}/l/chatgpt/")
    assert "The sandbox failed, not your code" in student.text_content("body")
    assert not found, describe(found)
