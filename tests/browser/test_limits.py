"""The limits as a student meets them in the browser: a flood of one exercise is refused with a
message and the code stays in the editor, another student's grading is not held up by it, and
too many quiz answers in a minute are refused with the answer kept."""

import time

import pytest

from tests.browser.conftest import log_in, new_page, screenshot
from tests.browser.editor import set_code
from tests.conftest import SOLUTION

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Slow enough that Alice's first is still being graded when Bob submits.
SLOW = "import time\ntime.sleep(10)\n" + SOLUTION


def _submit(page, base, course, code):
    page.goto(f"{base}/c/{course.slug}/e/softmax-temperature/")
    set_code(page, code)
    page.click("#submit-code")
    page.wait_for_load_state()


def test_a_flood_is_refused_in_the_page_and_another_student_is_graded_first(
    grading_stack, live_server, chromium, course, alice, bob
):
    from submissions.models import Submission

    base = live_server.url
    bobs = new_page(chromium)
    log_in(bobs, base, "bob")
    alices = new_page(chromium, 390, 844)
    log_in(alices, base, "alice")
    for n in range(2):
        _submit(alices, base, course, SLOW + f"# try {n}\n")
        alices.wait_for_selector("#status-card")  # taken: her submission's page
    _submit(alices, base, course, SLOW + "# try 2\n")
    # The third is refused in the coding page itself, and what she wrote is still in the editor.
    alert = alices.text_content("p.error[role=alert]")
    assert "já estão na fila ou sendo corrigidos" in alert, alert
    assert "# try 2" in alices.evaluate("window.courseEditor.getValue()")
    # On the phone the reason, far below the top, is scrolled into view.
    box = alices.locator("p.error[role=alert]").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    assert Submission.objects.filter(student=alice).count() == 2

    started = time.monotonic()
    _submit(bobs, base, course, SOLUTION)
    bobs.wait_for_function("() => document.querySelector('#status-card').dataset.final === 'true'", timeout=90_000)
    waited = time.monotonic() - started
    assert bobs.text_content("#score").strip() == "10 / 10"
    first, second = Submission.objects.filter(student=alice).order_by("created_at")
    bobs_row = Submission.objects.get(student=bob)
    # Bob waited at most for the one of Alice's already running, never for her second.
    assert first.started_at < bobs_row.created_at  # hers was being graded when he sent his
    second.refresh_from_db()
    assert second.started_at is None or bobs_row.finished_at <= second.started_at, (bobs_row, second)
    assert waited < 60, waited
    screenshot(alices, "limits-flood-refused")


def test_too_many_quiz_answers_in_a_minute_are_refused_and_the_answer_is_kept(
    live_server, chromium, course, alice, settings
):
    from submissions.models import QuizAnswer

    settings.QUIZ_ANSWERS_PER_MINUTE = 2
    base = live_server.url
    page = new_page(chromium, 390, 844)
    log_in(page, base, "alice")
    page.goto(f"{base}/c/{course.slug}/e/backprop-name/")
    for n in range(2):
        page.fill("#answer", f"palpite {n}")
        page.click("#quiz-form button.primary")
        page.wait_for_selector("#quiz-result")
    page.fill("#answer", "mais um palpite")
    page.click("#quiz-form button.primary")
    page.wait_for_load_state()
    alert = page.text_content("p.error[role=alert]")
    assert "Muitas respostas em pouco tempo" in alert, alert
    assert page.input_value("#answer") == "mais um palpite"
    screenshot(page, "limits-quiz-refused")
    assert QuizAnswer.objects.filter(student=alice).count() == 2
