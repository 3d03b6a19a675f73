"""Every main page passes the site's Content-Security-Policy: no inline script, no inline style, no
event handler attribute, nothing from another origin. Chromium reports each refusal as a
`securitypolicyviolation` event and a console error; the test collects both on every page, as a
student and as an instructor, with the pages' scripts doing their work (the editor, the chart,
the temperature slider, the staff pages' refreshes)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, new_page
from tests.browser.test_accessibility import _graded, _student_paths

pytestmark = [pytest.mark.browser, pytest.mark.page_audit, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts on every navigation (Playwright injects it, outside the policy).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    [e.violatedDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber, e.sample].join(' | ')));
"""


class Watch:
    def __init__(self, page):
        self.page = page
        self.found: dict[str, list[str]] = {}
        self.console: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message):
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Content-Security-Policy" in text):
            self.console.append(f"{self.page.url}: {text}")

    def visit(self, base: str, name: str, path: str, then=None) -> None:
        response = self.page.goto(base + path)
        policy = response.headers.get("content-security-policy", "") if response else ""
        assert "default-src 'self'" in policy and "script-src 'self';" in policy + ";", (name, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (name, policy)
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(400)  # the scripts run (some pages poll, so never "networkidle")
        if then:
            then(self.page)
            self.page.wait_for_timeout(300)
        events = self.page.evaluate("window.__csp")
        if events:
            self.found[name] = events


def _type_in_the_editor(page):
    page.wait_for_selector(".cm-editor .cm-content")
    page.click(".cm-editor .cm-content")
    page.keyboard.type("\nx = 1  # typed\n")
    page.click("#editor-theme")  # the dark theme's styles come in too


def _move_the_slider(page):
    slider = page.locator("input[type=range]").first
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")


def test_no_page_breaks_the_content_security_policy(live_server, chromium, alice, carla, course):
    from submissions.models import Submission

    base = live_server.url
    student = Watch(new_page(chromium))
    for name, path in {
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "admin-login": "/admin/login/",
    }.items():
        student.visit(base, name, path)
    log_in(student.page, base, "alice")
    paths = _student_paths(course, alice)
    for name, path in paths.items():
        then = _type_in_the_editor if name == "code" else None
        student.visit(base, name, path, then)
    student.visit(base, "home", "/")
    student.visit(base, "temperature-lab", f"/c/{course.slug}/e/temperature-lab/", _move_the_slider)
    training = _graded(course, alice, "char-gpt", "print(1)\n", status="running")
    student.visit(base, "submission-running", f"/submissions/{training.pk}/")

    teacher = Watch(new_page(chromium))
    log_in(teacher.page, base, "carla")
    crash = Submission.objects.filter(status="error").first()
    staff = f"/c/{course.slug}/staff"
    for name, path in {
        "instructor-course": f"/c/{course.slug}/",
        "instructor-lesson": f"/c/{course.slug}/l/chatgpt/",
        "instructor-submission": f"/submissions/{crash.pk}/",
        "gradebook": f"{staff}/gradebook/",
        "stats": f"{staff}/stats/",
        "stats-item": f"{staff}/stats/e/softmax-temperature/",
        "review": f"{staff}/review/",
        "review-item": f"{staff}/review/submission/{crash.pk}/",
        "operations": f"{staff}/operations/",
        "similarity": f"{staff}/similarity/",
        "regrade": f"{staff}/regrade/",
        "settings": f"{staff}/settings/",
        "enrol": f"{staff}/enrol/",
        "health": "/health/",
    }.items():
        teacher.visit(base, name, path)
    assert not student.found and not teacher.found, {**student.found, **teacher.found}
    assert not student.console and not teacher.console, student.console + teacher.console
