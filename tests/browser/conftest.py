"""Shared browser fixtures: Debian's Chromium driven by Playwright, against the live test server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
# Screenshots of the main pages, kept as test artifacts (CI keeps var/ of its clone).
SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture
def chromium(settings, monkeypatch):
    """A headless Chromium (one per test); new contexts come from it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need Chromium at {CHROMIUM} (Debian package 'chromium')", pytrace=False)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own
    # database calls are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SESSION_COOKIE_SECURE = False  # the live server speaks plain HTTP
    settings.CSRF_COOKIE_SECURE = False
    settings.STATUS_POLL_MS = 200
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium, tmp_path):
    """A page in pt-BR at the default size; its last state is kept as tmp_path/last.png."""
    page = chromium.new_page(locale="pt-BR")
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        page.screenshot(path=str(tmp_path / "last.png"), full_page=True)


def new_page(browser, width=1280, height=900, locale="pt-BR"):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def log_in(page, base_url: str, username: str, password: str | None = None) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or f"{username}-pass-123")
    page.press("#id_password", "Enter")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not log in"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_sideways_scroll(page) -> int:
    """How far the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def sticking_out(page) -> list[str]:
    """What makes the page scroll sideways: the chain of elements whose hiding alone removes the overflow.

    Each element is hidden in turn (children of a culprit are searched too); geometry alone misleads,
    since what sticks out of a scroll box is clipped, while an absolutely positioned child of one may not be.
    """
    return page.evaluate(
        """() => {
            const width = () => document.documentElement.scrollWidth;
            const base = width(), found = [];
            const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (typeof el.className === 'string' && el.className
                   ? '.' + el.className.trim().replace(/ +/g, '.') : '');
            const walk = (el, path) => {
                for (const child of el.children) {
                    const old = child.style.display;
                    child.style.display = 'none';
                    const narrower = width() < base;
                    child.style.display = old;
                    if (!narrower) continue;
                    const here = path.concat(name(child)).join(' > ');
                    if (found.length < 8) walk(child, path.concat(name(child)));
                    // The deepest culprit only: a parent is listed when none of its children is.
                    if (!found.some(f => f.startsWith(here + ' > '))) found.push(here);
                }
            };
            walk(document.body, []);
            return found.slice(0, 8);
        }"""
    )


class PageChecks:
    """The pages a test visits, each checked as it is reached: axe-core's serious and critical
    findings, sideways scroll (with what causes it), and a screenshot under var/screenshots/
    named by `shot` (a format string taking the page's name)."""

    def __init__(self, shot: str = "{}"):
        self.shot = shot
        self.found: dict[str, list] = {}
        self.wide: dict[str, tuple[int, list[str]]] = {}
        self.seen: list[str] = []

    def check(self, page, name: str) -> None:
        from tests.browser.axe import audit

        violations = audit(page)
        if violations:
            self.found[name] = violations
        overflow = no_sideways_scroll(page)
        if overflow > 0:
            self.wide[name] = (overflow, sticking_out(page))
        screenshot(page, self.shot.format(name))
        self.seen.append(name)

    def assert_clean(self) -> None:
        from tests.browser.axe import describe

        assert not self.found, describe(self.found)
        assert not self.wide, self.wide
