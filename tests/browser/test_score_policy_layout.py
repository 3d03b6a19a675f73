"""The score policy, late marks, attempts left and open dates still fit a 360-pixel phone, with axe clean.

The main-page audit (test_accessibility.py) sees a course with no dates; here every new fact is
on the page at once: an open date, lessons with different late rules, a penalised attempt and a
practice one in the attempt list, the full list of attempts and the submission page's late mark.
"""

from datetime import timedelta

import pytest

from tests.browser.conftest import PageChecks, log_in, new_page
from tests.conftest import SOLUTION, exercise

pytestmark = [pytest.mark.browser, pytest.mark.page_audit, pytest.mark.django_db(transaction=True)]


def _attempt(course, student, **fields):
    from submissions.models import Submission

    item = exercise("softmax-temperature")
    return Submission.objects.create(
        course=course,
        student=student,
        exercise=item,
        version=item.current_version,
        source=SOLUTION,
        max_score=10,
        status="graded",
        **fields,
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_the_new_facts_fit_a_phone_and_pass_axe(live_server, chromium, alice, course, width):
    from django.utils import timezone

    from courses.models import CourseLesson

    now = timezone.now()
    first, second = CourseLesson.objects.filter(course=course)[:2]
    CourseLesson.objects.filter(pk=first.pk).update(
        opens_at=now - timedelta(days=9), due_at=now - timedelta(days=1), late_policy="penalty", penalty_percent=25
    )
    CourseLesson.objects.filter(pk=second.pk).update(due_at=now + timedelta(days=3), late_policy="closed")
    for i in range(22):
        _attempt(course, alice, score=i % 10)
    penalised = _attempt(course, alice, score=9.5, days_late=2, credit=0.5)
    _attempt(course, alice, score=10, late=True, credit=0.0)
    pages = PageChecks(f"{{}}-{width}")
    page = new_page(chromium, width=width, height=800)
    log_in(page, live_server.url, "alice")
    for name, path in {
        "policy-course": f"/c/{course.slug}/",
        "policy-lesson": f"/c/{course.slug}/l/{first.lesson.slug}/",
        "policy-code": f"/c/{course.slug}/e/softmax-temperature/",
        "policy-code-all": f"/c/{course.slug}/e/softmax-temperature/?attempts=all",
        "policy-submission": f"/submissions/{penalised.pk}/",
        "policy-compare": f"/c/{course.slug}/e/softmax-temperature/compare/",
    }.items():
        page.goto(live_server.url + path)
        assert page.locator("#score-policy").count() == (0 if name == "policy-compare" else 1), name
        pages.check(page, name)
    assert page.locator("#compare-a option").count() == 24
    pages.assert_clean()
