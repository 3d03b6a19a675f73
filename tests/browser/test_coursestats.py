"""The statistics pages in a browser: carla reads them wide and on a phone, axe finds nothing serious."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Exercise
from courses.models import CourseLesson, Enrollment
from tests.browser import axe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot, sticking_out
from tests.web.test_coursestats import HOSTILE, answer, code, rubric_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_class(course, django_user_model, alice, bob):
    """Twelve students over five days: code, a choice, a matching and a free-text item; a due date on day 3."""
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=5)
    students = [alice, bob]
    for n in range(10):
        user = django_user_model.objects.create_user(username=f"aluno{n}", password="x-pass-123")
        Enrollment.objects.create(course=course, user=user, role="student")
        students.append(user)
    bob.first_name = HOSTILE  # a name that must stay inert wherever it shows
    bob.save()
    CourseLesson.objects.filter(course=course, lesson__slug="chatgpt").update(due_at=start + timedelta(days=3))
    for index, student in enumerate(students):
        day = start + timedelta(days=index % 5, hours=index)
        code(course, student, index % 11, day, failing=("stable",) if index % 2 else ())
        if index % 3 == 0:
            code(course, student, 10, day + timedelta(hours=5))
        answer(course, student, "gpt-meaning", ["pre-answers", "generative", "transforms"][index % 3], 0.0, day)
        answer(course, student, "gpt-meaning", "generative", 1.0, day + timedelta(hours=1), attempt=2, credit=0.5)
        pairs = {"query": "looks-for", "key": "offers", "value": "content", "scale": "no-saturation"}
        if index % 2:
            pairs = {"query": "offers", "key": "looks-for", "value": "content", "scale": "sum-to-one"}
        answer(course, student, "attention-qkv", pairs, 1.0 if index % 2 == 0 else 0.25, day)
        found = ["divides-logits", "high-flatter"][: index % 3]
        answer(
            course, student, "temperature-meaning", f"{HOSTILE} texto", len(found), day, details=rubric_details(found)
        )
        answer(course, student, "backprop-name", HOSTILE if index == 0 else "retropropagação", 1.0, day)
    # Eight students also answer every other item of the lesson, one more of them each day: a rising curve.
    shown = {"softmax-temperature", "gpt-meaning", "attention-qkv", "temperature-meaning"}
    for item in Exercise.objects.filter(lesson__slug="chatgpt", active=True).exclude(slug__in=shown):
        for index, student in enumerate(students[:8]):
            day = start + timedelta(days=index * 5 / 8, hours=2)
            if item.kind == "code":
                code(course, student, 5, day, slug=item.slug)
            else:
                answer(course, student, item.slug, "x", 0.0, day, correct=False)


PAGES = [
    ("", "stats-index"),
    ("e/softmax-temperature/", "stats-code"),
    ("e/gpt-meaning/", "stats-choice"),
    ("e/attention-qkv/", "stats-matching"),
    ("e/temperature-meaning/", "stats-free-text"),
    ("e/backprop-name/", "stats-short-answer"),
]


def test_carla_reads_the_statistics_wide_and_on_a_phone(
    live_server, chromium, django_user_model, carla, alice, bob, course
):
    a_class(course, django_user_model, alice, bob)
    for width, height, tag in ((1280, 900, "wide"), (390, 844, "phone")):
        page = new_page(chromium, width, height)
        page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
        log_in(page, live_server.url, "carla")
        page.goto(f"{live_server.url}/c/{course.slug}/")
        page.click("#stats-link a")
        page.wait_for_load_state()
        assert page.locator("#lesson-chatgpt svg.stats-svg").is_visible()
        assert page.locator("#lesson-chatgpt .stats-due").count() == 1
        for path, name in PAGES:
            page.goto(f"{live_server.url}/c/{course.slug}/staff/stats/{path}")
            found = axe.audit(page)
            assert found == [], axe.describe({name: found})
            assert no_sideways_scroll(page) <= 0, (name, sticking_out(page))
            screenshot(page, f"{name}-{tag}")
        # The data table behind the chart opens and reads as text.
        page.goto(f"{live_server.url}/c/{course.slug}/staff/stats/e/softmax-temperature/")
        page.locator("#distribution summary").click()
        assert page.locator("#distribution table").is_visible()
        assert no_sideways_scroll(page) <= 0, sticking_out(page)
        assert page.locator("#checks-table tbody tr").first.get_attribute("data-check") == "stable"
        page.context.close()
