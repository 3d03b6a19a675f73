"""A student's whole visit, in headless Chromium, against the live site and real workers."""

import pytest

from tests.browser.editor import set_code
from tests.conftest import SOLUTION, exercise, pause_grader, resume_grader

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_student_answers_a_quiz_and_watches_code_being_graded(grading_stack, live_server, browser_page, alice, course):
    from submissions.services import quiz_params

    page = browser_page
    page.goto(live_server.url + "/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-pass-123")
    page.click("button.primary")
    page.click("ol.lessons >> text=ChatGPT")

    # The numeric question: this student's own logits and temperature.
    params = quiz_params(exercise("softmax-probability"), alice.id)
    page.click("text=Probabilidade com temperatura")
    assert params["target"] in page.text_content(".prompt")
    page.fill("#answer", f"{params['answer']:.3f}".replace(".", ","))
    page.click("text=Responder")
    assert "Correto" in page.text_content("#quiz-result")
    assert "1 / 1" in page.text_content("#quiz-result")

    page.go_back()
    page.go_back()
    page.click("text=Softmax com temperatura")
    # Warm grading takes tens of milliseconds; a second of sleep at import
    # keeps the submission "running" long enough for the page to show it.
    set_code(page, "import time\ntime.sleep(1.5)\n" + SOLUTION)

    # Hold the grading queue so the page is seen waiting, then let it go.
    app = grading_stack["app"]
    pause_grader(app, "cpu")
    try:
        page.click("#submit-code")
        page.wait_for_selector("#status")
        page.evaluate(
            """() => {
                window.__sameDocument = true;
                window.__seen = [document.querySelector('#status').textContent.trim()];
                new MutationObserver(() => {
                    const s = document.querySelector('#status').textContent.trim();
                    if (window.__seen[window.__seen.length - 1] !== s) window.__seen.push(s);
                }).observe(document.querySelector('#status'), {childList: true, characterData: true, subtree: true});
            }"""
        )
        page.wait_for_timeout(600)
        assert page.text_content("#status").strip() == "Na fila"
    finally:
        resume_grader(app)

    page.wait_for_function("() => document.querySelector('#status-card').dataset.final === 'true'", timeout=90_000)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.evaluate("window.__seen") == ["Na fila", "Em execução", "Corrigido"]
    assert page.text_content("#score").strip() == "10 / 10"
    rows = page.locator("#checks tbody tr")
    assert rows.count() == 5
    assert "Estável com logits grandes" in page.text_content("#checks")
    assert page.locator("#checks tr.bad").count() == 0


def test_a_hidden_tab_polls_rarely_and_catches_up_when_shown(live_server, browser_page, alice, course, settings):
    """While the tab is hidden the page asks about once in 15 s; shown again, it asks at once."""
    from submissions.models import Submission

    # A submission no worker will pick up (never published), so the page keeps polling.
    item = exercise("softmax-temperature")
    submission = Submission.objects.create(
        course=course, student=alice, exercise=item, version=item.current_version, source=SOLUTION, max_score=10
    )
    page = browser_page
    page.add_init_script(
        "Object.defineProperty(document, 'hidden', { get: () => !!window.__hidden, configurable: true });"
    )
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "status.json" in request.url else None)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-pass-123")
    page.press("#id_password", "Enter")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/submissions/{submission.pk}/")
    page.wait_for_timeout(1500)
    visible = len(polls)
    assert visible >= 4, polls  # every 200 ms here (STATUS_POLL_MS)
    page.evaluate("window.__hidden = true; document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(400)  # the poll already scheduled may still go out
    before = len(polls)
    page.wait_for_timeout(3000)
    assert len(polls) == before, polls[before:]  # hidden: nothing for 3 s
    page.evaluate("window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(300)
    assert len(polls) > before  # shown again: at once


def test_the_main_pages_fit_a_360_pixel_phone(live_server, browser_page, alice, course):
    """No page scrolls sideways at 360 px: wide formulas and code scroll inside their own box."""
    from catalog.models import Exercise
    from submissions.models import Submission

    item = exercise("softmax-temperature")
    submission = Submission.objects.create(
        course=course, student=alice, exercise=item, version=item.current_version, source=SOLUTION, max_score=10
    )
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + "/accounts/login/")
    paths = ["/accounts/login/", "/accounts/signup/"]
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-pass-123")
    page.press("#id_password", "Enter")
    page.wait_for_load_state()
    one_per_type = {}
    for quiz in Exercise.objects.filter(active=True, kind=Exercise.QUIZ).select_related("current_version"):
        one_per_type.setdefault(quiz.current_version.data["quiz"]["type"], quiz.slug)
    coding = Exercise.objects.filter(active=True, kind=Exercise.CODE).values_list("slug", flat=True)
    paths += ["/courses/", f"/c/{course.slug}/", f"/submissions/{submission.pk}/"]
    paths += [f"/c/{course.slug}/l/{slug}/" for slug in ("chatgpt", "redes-neurais")]
    paths += [f"/c/{course.slug}/e/{slug}/" for slug in [*one_per_type.values(), *coding]]
    wide = {}
    for path in paths:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[path] = width
    assert not wide, wide
