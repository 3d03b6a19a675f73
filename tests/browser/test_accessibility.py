"""axe-core finds no serious or critical violation on any main page, wide or on a phone."""

import pytest

from tests.browser.conftest import PageChecks, log_in, new_page
from tests.conftest import NAIVE_SOFTMAX, SOLUTION, exercise

pytestmark = [pytest.mark.browser, pytest.mark.page_audit, pytest.mark.django_db(transaction=True)]


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
    pages = PageChecks(f"{{}}-{width}")
    check = pages.check
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
    pages.assert_clean()


def _reset_link(outbox) -> str:
    import re

    assert outbox, "the reset e-mail was sent"
    return re.search(r"https?://\S+/accounts/reset/\S+/", outbox[-1].body).group(0)


def _raising(exception):
    def raises(*args, **kwargs):
        raise exception

    return raises


@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_nothing_serious_on_the_account_and_error_pages(
    live_server, chromium, alice, bob, course, width, monkeypatch, settings
):
    """The pages a student meets less often, each reached as a student reaches it.

    Reset done, confirm (the e-mailed link, and a spent one) and complete; change done; the 400
    of a query with too many fields; the 403 of an expired form; the 413 of a 1.1 MB file (the
    page without JavaScript, as the editor refuses that much); the login pause after repeated
    failures. The 403, 500 and 503 pages and "not submitted yet" need the site to fail: the
    view's query is made to raise (as tests/web/test_database_busy.py does) while the live
    server answers a real request through the whole middleware stack.
    """
    from django.conf import settings as live
    from django.core import mail
    from django.core.exceptions import PermissionDenied
    from django.db import OperationalError

    from submissions.models import Submission

    pages = PageChecks(f"{{}}-{width}")
    check = pages.check

    height = 900 if width > 400 else 800
    base = live_server.url

    # A forgotten password, reset through the e-mailed link.
    bob.email = "bob@example.com"
    bob.save()
    page = new_page(chromium, width=width, height=height)
    page.goto(base + "/accounts/password_reset/")
    page.fill("#id_email", "bob@example.com")
    page.press("#id_email", "Enter")
    page.wait_for_url("**/password_reset/done/")
    check(page, "password-reset-done")
    link = _reset_link(mail.outbox)
    page.goto(link)
    page.wait_for_url("**/set-password/")
    check(page, "password-reset-confirm")
    page.fill("#id_new_password1", "a-new-pass-for-bob-42")
    page.fill("#id_new_password2", "a-new-pass-for-bob-42")
    page.press("#id_new_password2", "Enter")
    page.wait_for_url("**/reset/done/")
    check(page, "password-reset-complete")
    page.goto(link)  # a link already used
    check(page, "password-reset-confirm-spent")
    assert page.locator("#id_new_password1").count() == 0

    # A password changed.
    page = new_page(chromium, width=width, height=height)
    log_in(page, base, "alice")
    page.goto(base + "/accounts/password_change/")
    page.fill("#id_old_password", "alice-pass-123")
    page.fill("#id_new_password1", "a-new-pass-for-alice-42")
    page.fill("#id_new_password2", "a-new-pass-for-alice-42")
    page.press("#id_new_password2", "Enter")
    page.wait_for_url("**/password_change/done/")
    check(page, "password-change-done")

    # 400: more query fields than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS).
    fields = "&".join(f"f{n}=1" for n in range(live.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = page.goto(base + "/courses/?" + fields)
    assert response.status == 400
    check(page, "error-400")

    # 403: a form whose CSRF cookie is gone (an expired session's form).
    page.goto(base + f"/c/{course.slug}/e/temperature-meaning/")
    page.context.clear_cookies(name="csrftoken")
    page.fill("#answer", "A temperatura divide os logits e muda a distribuição.")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#quiz-form button.primary")
    assert answer.value.status == 403
    check(page, "error-403-csrf")

    # 413: a 1.1 MB file sent from the page without JavaScript (scripts off, then on again for axe);
    # the text area itself takes no more than the code size limit.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    page.goto(base + f"/c/{course.slug}/e/softmax-temperature/")
    assert page.locator(".cm-editor").count() == 0  # the plain text area
    assert page.get_attribute("#source", "maxlength") == "65536"
    big = ("# " + "x" * (live.MAX_REQUEST_BYTES + 100 * 1024)).encode()
    page.set_input_files("#code-file", {"name": "big.py", "mimeType": "text/x-python", "buffer": big})
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#submit-code")
    assert posted.value.status == 413
    page.wait_for_load_state()
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})
    check(page, "error-413")

    # The site failing under a real request: 403, 500, 503, and a submission the database refused.
    for name, exception, status in (
        ("error-403", PermissionDenied("not for you"), 403),
        ("error-500", RuntimeError("a bug"), 500),
        ("error-503", OperationalError("database is locked"), 503),
    ):
        monkeypatch.setattr("courses.views.lesson_rows", _raising(exception))
        response = page.goto(base + f"/c/{course.slug}/")
        assert response.status == status, name
        check(page, name)
        monkeypatch.undo()
    page.goto(base + f"/c/{course.slug}/e/softmax-temperature/")
    monkeypatch.setattr(Submission.objects, "create", _raising(OperationalError("database is locked")))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#submit-code")
    assert posted.value.status == 503
    page.wait_for_selector("#busy-source")
    check(page, "submission-busy")
    monkeypatch.undo()

    # The login paused after repeated wrong passwords (this address is paused too: last).
    page = new_page(chromium, width=width, height=height)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", "wrong")
        page.press("#id_password", "Enter")
        page.wait_for_load_state()
    assert page.locator("h1").inner_text() in ("Tentativas de login demais", "Too many failed logins")
    check(page, "login-locked-out")

    assert len(pages.seen) == 13, pages.seen
    pages.assert_clean()
