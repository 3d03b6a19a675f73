"""Keyboard only: ordering and matching answered with Tab, the arrow keys and typing; the coding page's focus order.

No click and no select_option here: the focus moves with Tab, a native select changes with the
arrow keys or by typing the start of an option (as a sighted keyboard user or a screen reader
user does), and the form is sent with Enter on its button.
"""

from __future__ import annotations

import pytest

from grader.quiz.ordering import right_orders
from tests.browser.conftest import log_in, new_page
from tests.conftest import enrollment_of, exercise

pytestmark = [pytest.mark.browser, pytest.mark.page_audit, pytest.mark.django_db(transaction=True)]

ORDERING = "training-stages-order"
MATCHING = "architecture-match"
# What a keyboard user can reach: the page must not hide a form behind more than this many stops.
MAX_TABS = 60

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const editor = el.closest('.cm-editor');
    return {
        id: el.id || null,
        tag: el.tagName.toLowerCase(),
        role: el.getAttribute('role'),
        name: el.getAttribute('name'),
        editor: editor !== null,
        href: el.getAttribute('href'),
        // Where it stands in the document: Tab should follow the page from top to bottom.
        order: [...document.querySelectorAll('*')].indexOf(editor ? editor : el),
        label: el.getAttribute('aria-label') || (el.labels && el.labels[0] ? el.labels[0].textContent.trim() : null)
            || el.textContent.trim().slice(0, 40),
    };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_until(page, matches, limit: int = MAX_TABS) -> list[dict]:
    """Press Tab until the focused element `matches`; every stop on the way, in order."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = focused(page)
        stops.append(here)
        if here and matches(here):
            return stops
    raise AssertionError(f"Tab never reached it in {limit} presses: {stops}")


def _answer(slug: str, alice, course):
    from submissions.models import QuizAnswer

    return QuizAnswer.objects.filter(student=alice, course=course, exercise=exercise(slug)).first()


def _sent_with_enter_and_right(page, slug, student, course) -> None:
    """After the last select the focus is on the submit button; Enter sends it, and the answer is right."""
    assert page.evaluate("document.activeElement.matches('#quiz-form button[type=submit]')"), focused(page)
    page.keyboard.press("Enter")
    page.wait_for_selector("#quiz-result.ok")
    answer = _answer(slug, student, course)
    assert answer is not None and answer.correct and answer.score == answer.max_score


def test_an_ordering_item_is_answered_right_with_the_keyboard_only(live_server, chromium, alice, course):
    page = new_page(chromium)
    log_in(page, live_server.url, "alice")
    page.goto(live_server.url + f"/c/{course.slug}/e/{ORDERING}/")
    spec = exercise(ORDERING).current_version.data["quiz"]
    right = right_orders(spec)[0]
    shown = page.eval_on_selector_all("#quiz-form select", "els => els.map(e => e.name)")
    assert sorted(shown) == sorted(f"pos_{item}" for item in right)

    # Tab to the first position; then each row's select comes next, in the order they are shown.
    tab_until(page, lambda here: here["tag"] == "select")
    for index, name in enumerate(shown):
        here = focused(page)
        assert here["name"] == name, (index, here)
        assert here["label"].startswith(("Posição", "Position")), here  # a screen reader hears which item
        position = right.index(name.removeprefix("pos_")) + 1
        for _ in range(position):  # from "—", one arrow press per position
            page.keyboard.press("ArrowDown")
        assert page.input_value(f"select[name='{name}']") == str(position)
        page.keyboard.press("Tab")
    _sent_with_enter_and_right(page, ORDERING, alice, course)


def test_a_matching_item_is_answered_right_by_typing_on_each_select(live_server, chromium, alice, course):
    page = new_page(chromium)
    log_in(page, live_server.url, "alice")
    page.goto(live_server.url + f"/c/{course.slug}/e/{MATCHING}/")
    spec = exercise(MATCHING).current_version.data["quiz"]
    options = {
        option["value"]: option["text"]
        for option in page.eval_on_selector_all(
            "#quiz-form select:first-of-type option", "els => els.map(e => ({value: e.value, text: e.text}))"
        )
        if option["value"]
    }
    # Typing picks an option by the start of its text: the test needs those starts to differ.
    starts = {text[:4] for text in options.values()}
    assert len(starts) == len(options), options

    tab_until(page, lambda here: here["tag"] == "select")
    rows = page.eval_on_selector_all("#quiz-form select", "els => els.map(e => e.name)")
    for name in rows:
        here = focused(page)
        assert here["name"] == name and here["label"], here  # each select is named by its item's label
        wanted = spec["answer"][name.removeprefix("match_")]
        page.keyboard.type(options[wanted][:4])
        assert page.input_value(f"select[name='{name}']") == wanted, (name, options[wanted])
        page.wait_for_timeout(1100)  # the browser's type-to-select forgets what was typed after a second
        page.keyboard.press("Tab")
    _sent_with_enter_and_right(page, MATCHING, alice, course)
    assert enrollment_of(alice, course)  # still hers, nothing else sent


def test_tab_on_the_coding_page_goes_through_the_top_to_the_editor_then_to_submit(live_server, chromium, alice, course):
    page = new_page(chromium)
    log_in(page, live_server.url, "alice")
    page.goto(live_server.url + f"/c/{course.slug}/e/softmax-temperature/")
    page.wait_for_selector(".cm-content")

    before = tab_until(page, lambda here: here["editor"])
    editor = before[-1]
    assert editor["role"] == "textbox" and editor["label"], editor  # named for a screen reader
    ids_before = [stop["id"] for stop in before if stop]
    # Nothing of the form below the editor is reached before it.
    assert not {"editor-theme", "submit-code", "open-hint"} & set(ids_before), ids_before
    # The top first: the way back to the course (the breadcrumb) comes before the editor.
    assert f"/c/{course.slug}/" in [stop["href"] for stop in before if stop], before

    # Tab inside the editor indents; Escape then Tab leaves it, to the theme switch, the file field, then submit.
    page.keyboard.press("Tab")
    assert focused(page)["editor"]
    page.keyboard.press("Escape")
    after = []
    for _ in range(4):
        page.keyboard.press("Tab")
        after.append(focused(page))
    assert [stop["id"] for stop in after[:3]] == ["editor-theme", "code-file", "submit-code"], after
    assert after[2]["tag"] == "button"
    assert after[3]["id"] == "open-hint", after  # the hints, below the form, come after it
    # Shift-Tab walks back the same way.
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "submit-code"
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "code-file"
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "editor-theme"
    page.keyboard.press("Shift+Tab")
    assert focused(page)["editor"]
    # From the top of the page to the hints, every stop lies further down the page than the one before.
    orders = [stop["order"] for stop in [*before, *after] if stop]
    assert orders == sorted(orders) and len(set(orders)) == len(orders), [*before, *after]
