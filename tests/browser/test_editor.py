"""The coding page's editor in headless Chromium: CodeMirror over the textarea, drafts, limits, errors."""

import re
from pathlib import Path

import pytest

from tests.browser.editor import set_code
from tests.conftest import SOLUTION, exercise

pytestmark = [
    pytest.mark.browser,
    pytest.mark.page_audit,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "var" / "screens"
SLUG = "softmax-temperature"
# The line that raised, in a real report's traceback (grader/probe/runtime.py keeps the student's frames).
FAILING = "import torch\n\nx = 1\ny = undefined_name + x\n"
TRACEBACK = (
    '  File "/sandbox/submission.py", line 4, in <module>\n'
    "    y = undefined_name + x\n"
    "        ^^^^^^^^^^^^^^\n"
    "NameError: name 'undefined_name' is not defined\n"
)


@pytest.fixture
def browser(chromium, settings, redis_server):
    """The shared Chromium, with draft saves counted in a real Redis whose earlier counts are forgotten."""
    from grader import progress

    settings.REDIS_URL = redis_server.url
    redis = progress.client(redis_server.url)
    for key in redis.scan_iter("ratelimit:draft:*"):
        redis.delete(key)  # user ids repeat across tests
    return chromium


@pytest.fixture
def browser_page(browser, browser_page):
    """The shared page, once the draft counts are reset."""
    return browser_page


def log_in(page, base_url, username="alice"):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-pass-123")
    page.press("#id_password", "Enter")
    page.wait_for_load_state()


def open_exercise(page, live_server, course, query=""):
    page.goto(f"{live_server.url}/c/{course.slug}/e/{SLUG}/{query}")
    page.wait_for_selector(".cm-editor")


def editor_text(page) -> str:
    return page.evaluate("window.courseEditor.getValue()")


def wait_for_draft_save(page, action):
    """Run `action` and wait until the draft it causes is saved (the editor waits 1.5 s after typing)."""
    with page.expect_response(lambda r: r.url.endswith("/draft/") and r.request.method == "POST") as saved:
        action()
    assert saved.value.status == 200, saved.value.text()
    page.wait_for_function("() => /\\d/.test(document.querySelector('#draft-status').textContent)")


def test_the_editor_replaces_the_textarea_and_keeps_it_in_sync(live_server, browser_page, alice, course):
    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    assert page.is_visible(".cm-editor") and page.is_visible(".cm-lineNumbers")
    assert page.is_hidden("#source")
    starter = exercise(SLUG).current_version.data["starter"]
    assert editor_text(page) == starter
    # Its accessible name is the label's.
    assert page.get_attribute(".cm-content", "aria-label") == page.text_content("#source-label").strip()
    assert page.is_visible("#editor-hint") and "Tab" in page.text_content("#editor-hint")
    # Python is highlighted: the keyword `def` gets a token class of its own.
    assert page.locator(".cm-content span", has_text=re.compile(r"^def$")).count() >= 1

    page.click(".cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("answer = (41 + 1")
    assert page.input_value("#source").endswith("answer = (41 + 1)")  # the bracket closed itself
    page.keyboard.press("Control+z")
    assert "answer" not in page.input_value("#source").splitlines()[-1]
    assert page.input_value("#source") == editor_text(page)


def test_tab_indents_shift_tab_dedents_and_escape_then_tab_leaves(live_server, browser_page, alice, course):
    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    set_code(page, "x = 1\ny = 2\n")
    page.click(".cm-content")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Tab")
    assert page.input_value("#source") == "    x = 1\ny = 2\n"
    page.keyboard.press("Shift+Tab")
    assert page.input_value("#source") == "x = 1\ny = 2\n"
    # A keyboard user is not trapped: Escape, then Tab moves on to the next control.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.cm-editor') === null")
    assert page.input_value("#source") == "x = 1\ny = 2\n"
    # A new line after a colon is indented.
    set_code(page, "def f():")
    page.click(".cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("return 1")
    assert page.input_value("#source") == "def f():\n    return 1"


def test_ctrl_f_opens_the_search_panel(live_server, browser_page, alice, course):
    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    page.click(".cm-content")
    page.keyboard.press("Control+f")
    assert page.is_visible(".cm-search input[name=search]")
    assert page.get_attribute(".cm-search input[name=search]", "placeholder") == "Buscar"  # pt-BR page


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('.cm-editor')).backgroundColor")


def test_the_dark_theme_switches_and_is_remembered(live_server, browser_page, alice, course):
    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    light = _background(page)
    assert page.get_attribute("#editor-theme", "aria-pressed") == "false"
    page.click("#editor-theme")
    assert page.get_attribute("#editor-theme", "aria-pressed") == "true"
    dark = _background(page)
    assert dark != light and dark == "rgb(40, 44, 52)"  # One Dark
    page.reload()
    page.wait_for_selector(".cm-editor")
    assert _background(page) == dark and page.get_attribute("#editor-theme", "aria-pressed") == "true"
    page.click("#editor-theme")
    page.reload()
    page.wait_for_selector(".cm-editor")
    assert _background(page) == light


def test_a_draft_comes_back_after_a_reload_and_on_another_device(live_server, browser, browser_page, alice, course):
    from submissions.models import Draft

    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    code = "import torch\n\n# rascunho: ainda pensando\n"
    wait_for_draft_save(page, lambda: set_code(page, code))
    assert Draft.objects.get(student=alice).source == code
    page.reload()
    page.wait_for_selector(".cm-editor")
    assert editor_text(page) == code
    assert page.is_visible("#editor-note") and page.is_visible("#discard-draft-button")
    SCREENS.mkdir(parents=True, exist_ok=True)
    wait_for_draft_save(page, lambda: set_code(page, code + "# mais uma linha\n"))
    page.locator("#code-form").screenshot(path=str(SCREENS / "editor-draft-restored.png"))

    other = browser.new_context(locale="pt-BR").new_page()  # another device: its own cookies and storage
    log_in(other, live_server.url)
    open_exercise(other, live_server, course)
    assert editor_text(other) == code + "# mais uma linha\n"

    # Discarding brings back the starter, and nothing saves the draft again on the way out.
    page.click("#discard-draft-button")
    page.wait_for_selector(".cm-editor")
    assert editor_text(page) == exercise(SLUG).current_version.data["starter"]
    page.wait_for_timeout(500)
    assert not Draft.objects.filter(student=alice).exists()


def test_leaving_the_page_right_after_typing_still_saves_the_draft(live_server, browser_page, alice, course):
    from submissions.models import Draft

    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    page.click(".cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# typed just before leaving")
    page.goto(live_server.url + "/courses/")  # well before the 1.5 s pause: pagehide saves it
    for _ in range(50):
        draft = Draft.objects.filter(student=alice).first()
        if draft:
            break
        page.wait_for_timeout(100)
    assert draft and draft.source.endswith("# typed just before leaving")


def test_code_over_the_size_limit_cannot_be_submitted(live_server, browser_page, alice, course):
    from grader.contract import MAX_SOURCE_BYTES

    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    assert page.is_enabled("#submit-code") and page.is_hidden("#size-error")
    set_code(page, "# " + "é" * (MAX_SOURCE_BYTES // 2))  # 2 + 2·n bytes: 2 over
    assert page.is_disabled("#submit-code")
    assert page.is_visible("#size-error") and page.get_attribute("#size-error", "role") == "status"
    message = page.text_content("#size-error")
    pt = lambda n: f"{n:,}".replace(",", ".")  # noqa: E731 - the page is in pt-BR: 65.536
    assert "2" in message and pt(MAX_SOURCE_BYTES) in message
    assert f"{pt(MAX_SOURCE_BYTES + 2)} / {pt(MAX_SOURCE_BYTES)}" in page.text_content("#byte-count")
    set_code(page, "x = 1\n")
    assert page.is_enabled("#submit-code") and page.is_hidden("#size-error")


def test_the_line_that_raised_in_the_last_attempt_is_marked(live_server, browser_page, alice, course):
    from submissions.models import Submission

    item = exercise(SLUG)
    submission = Submission.objects.create(
        course=course,
        student=alice,
        exercise=item,
        version=item.current_version,
        source=FAILING,
        max_score=10,
        score=0,
        status="error",
        report={"status": "error", "traceback": TRACEBACK, "checks": []},
    )
    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    marked = page.locator(".cm-line.cm-error-line")
    assert marked.count() == 1 and marked.text_content() == "y = undefined_name + x"
    assert page.locator(".cm-lineNumbers .cm-error-gutter").text_content() == "4"
    note = page.locator("#error-line-note")
    assert "4" in note.text_content() and f"#{submission.pk}" in note.text_content()
    assert note.locator("a").get_attribute("href") == f"/submissions/{submission.pk}/"
    assert page.evaluate("getComputedStyle(document.querySelector('.cm-error-line')).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.locator("#code-form").screenshot(path=str(SCREENS / "editor-error-line.png"))


def test_at_360_pixels_long_lines_scroll_inside_the_editor(live_server, browser_page, alice, course):
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    set_code(page, "x = '" + "a" * 300 + "'\n" + SOLUTION)
    page.wait_for_timeout(100)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    scroller = page.evaluate(
        "(() => { const s = document.querySelector('.cm-scroller'); return [s.scrollWidth, s.clientWidth]; })()"
    )
    assert scroller[0] > scroller[1]  # the editor scrolls, the page does not


@pytest.fixture
def idle_broker(tmp_path):
    """A Redis of this test's own, where no worker listens, whatever ran before (the session's
    grading worker, once started, consumes from the tests' shared one)."""
    from config.celery import app
    from tests import services

    server = services.RedisServer(port=services.free_port(), workdir=tmp_path)
    server.start()
    previous = services.use_broker(app, server.url)
    yield app
    services.use_broker(app, previous)
    server.stop()


def test_without_javascript_the_textarea_works_and_submits(live_server, browser, alice, course, idle_broker):
    from submissions.models import Submission

    # The submission is published to a Redis no worker listens to, then taken back.
    app = idle_broker
    context = browser.new_context(java_script_enabled=False, locale="pt-BR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/c/{course.slug}/e/{SLUG}/")
    assert page.is_visible("#source") and page.locator(".cm-editor").count() == 0
    page.fill("#source", SOLUTION)
    page.click("#submit-code")
    page.wait_for_load_state()
    submission = Submission.objects.get(student=alice)
    assert page.url.endswith(f"/submissions/{submission.pk}/")
    # A form posts a textarea's lines ending in CRLF.
    assert submission.source.replace("\r\n", "\n") == SOLUTION
    assert submission.status == "queued"  # no worker here
    context.close()
    with app.connection_for_write() as connection:
        assert connection.default_channel.queue_purge(submission.queue) == 1


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_editor_light_and_dark(live_server, browser, alice, course, width):
    """Kept in var/screens/ for a person to look at; asserts only that the editor is in view."""
    page = browser.new_page(locale="pt-BR", viewport={"width": width, "height": 900})
    page.set_default_timeout(20_000)
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    set_code(page, SOLUTION)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"editor-light-{width}.png"), full_page=True)
    page.locator("#code-form").screenshot(path=str(SCREENS / f"editor-light-{width}-form.png"))
    page.click("#editor-theme")
    page.screenshot(path=str(SCREENS / f"editor-dark-{width}.png"), full_page=True)
    page.locator("#code-form").screenshot(path=str(SCREENS / f"editor-dark-{width}-form.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def test_a_refused_save_says_so_keeps_the_text_and_saves_it_after_retry_after(live_server, browser_page, alice, course):
    from submissions.models import Draft

    page = browser_page
    log_in(page, live_server.url)
    open_exercise(page, live_server, course)
    refused = []

    def too_many(route):
        if not refused:
            refused.append(route.request.url)
            route.fulfill(
                status=429,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": "too_many_requests", "retry_after": 1}',
            )
        else:
            route.continue_()

    page.route("**/draft/", too_many)
    set_code(page, "kept = True\n")
    page.wait_for_function("() => document.querySelector('#draft-status').textContent.length > 20")
    failed = page.text_content("#draft-status")
    assert refused and not Draft.objects.exists()
    assert page.get_attribute("#draft-status", "aria-live") == "polite"
    # A second later (Retry-After), with no new typing, it is saved.
    page.wait_for_function(
        "() => /\\d\\d:\\d\\d/.test(document.querySelector('#draft-status').textContent)", timeout=8000
    )
    assert page.text_content("#draft-status") != failed
    assert Draft.objects.get(student=alice).source == "kept = True\n"
