"""axe-core finds no serious or critical violation on any main page, wide or on a phone."""

import pytest

from tests.browser.axe import audit, describe
from tests.browser.conftest import log_in, new_page, no_sideways_scroll, screenshot, sticking_out
from tests.conftest import NAIVE_SOFTMAX, SOLUTION, exercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _graded(course, student, slug, source, status="graded", report=None, pk=None):
    """A finished submission as the results consumer stores it (checks, feedback, traceback)."""
    from submissions.models import Submission

    item = exercise(slug)
    return Submission.objects.create(
        pk=pk,
        course=course,
        student=student,
        exercise=item,
        version=item.current_version,
        source=source,
        max_score=10,
        score=4 if status == "graded" else 0,
        status=status,
        report=report,
    )


REPORT = {
    "message": {"pt": "Algumas verificações falharam.", "en": "Some checks failed."},
    "checks": [
        {"name": "shape", "title": {"pt": "Formato", "en": "Shape"}, "passed": True, "score": 4, "max_score": 4},
        {
            "name": "stable",
            "title": {"pt": "Estável com logits grandes", "en": "Stable with large logits"},
            "passed": False,
            "score": 0,
            "max_score": 6,
            "feedback": {"pt": "Deu nan com logits de 1000.", "en": "Got nan for logits of 1000."},
        },
    ],
    "stdout": "ok\n",
}
CRASH = {
    "message": {"pt": "Seu código levantou um erro.", "en": "Your code raised an error."},
    "checks": [],
    "traceback": (
        "Traceback (most recent call last):\n"
        '  File "submission.py", line 1, in <module>\n'
        "NameError: name 'x' is not defined"
    ),
}


def _student_paths(course, alice):
    from catalog.models import Exercise

    one_per_type = {}
    for item in Exercise.objects.filter(active=True, kind=Exercise.QUIZ).select_related("current_version"):
        one_per_type.setdefault(item.current_version.data["quiz"]["type"], item.slug)
    # Seven-digit ids, as a busy course has (PostgreSQL's ids also grow over a test run, since its
    # sequences never roll back): a wide id column must not widen the page on a phone.
    graded = _graded(course, alice, "softmax-temperature", NAIVE_SOFTMAX, report=REPORT, pk=4_000_001)
    crashed = _graded(
        course, alice, "softmax-temperature", "x\n" + SOLUTION, status="error", report=CRASH, pk=4_000_002
    )
    paths = {
        "courses": "/courses/",
        "course": f"/c/{course.slug}/",
        "lesson-chatgpt": f"/c/{course.slug}/l/chatgpt/",
        "lesson-redes-neurais": f"/c/{course.slug}/l/redes-neurais/",
        "code": f"/c/{course.slug}/e/softmax-temperature/",
        "code-training": f"/c/{course.slug}/e/char-gpt/",
        "submission-graded": f"/submissions/{graded.pk}/",
        "submission-error": f"/submissions/{crashed.pk}/",
        "compare": f"/c/{course.slug}/e/softmax-temperature/compare/?a={graded.pk}&b={crashed.pk}",
        "password-change": "/accounts/password_change/",
        "not-found": "/c/no-such-course/",
    }
    for kind, slug in sorted(one_per_type.items()):
        paths[f"quiz-{kind}"] = f"/c/{course.slug}/e/{slug}/"
    return paths


@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_nothing_serious_on_the_main_pages(live_server, chromium, alice, carla, course, width):
    found, wide = {}, {}

    def check(page, name):
        violations = audit(page)
        if violations:
            found[name] = violations
        overflow = no_sideways_scroll(page)
        if overflow > 0:
            wide[name] = (overflow, sticking_out(page))
        screenshot(page, f"{name}-{width}")

    page = new_page(chromium, width=width, height=900 if width > 400 else 800)
    for name, path in {
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "password-reset": "/accounts/password_reset/",
    }.items():
        page.goto(live_server.url + path)
        check(page, name)
    log_in(page, live_server.url, "alice")
    for name, path in _student_paths(course, alice).items():
        page.goto(live_server.url + path)
        check(page, name)
    # The editor's dark theme, too.
    page.goto(live_server.url + f"/c/{course.slug}/e/softmax-temperature/")
    page.click("#editor-theme")
    assert page.get_attribute("#editor-theme", "aria-pressed") == "true"
    check(page, "code-dark")
    page.click("#editor-theme")
    # A quiz after a wrong answer: the result card, the explanation note, the history.
    page.goto(live_server.url + f"/c/{course.slug}/e/softmax-probability/")
    page.fill("#answer", "0,5")
    page.click("#quiz-form button.primary")
    page.wait_for_selector("#quiz-result")
    check(page, "quiz-answered")

    teacher = new_page(chromium, width=width)
    log_in(teacher, live_server.url, "carla")
    from submissions.models import Submission

    for name, path in {
        "instructor-course": f"/c/{course.slug}/",
        "instructor-lesson": f"/c/{course.slug}/l/chatgpt/",
        "instructor-submission": f"/submissions/{Submission.objects.first().pk}/",
    }.items():
        teacher.goto(live_server.url + path)
        check(teacher, name)
    assert not found, describe(found)
    assert not wide, wide
