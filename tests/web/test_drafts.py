"""The editor's drafts (autosaved, private to their student), ?load= of an attempt, and the line that raised."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from grader import progress
from grader.contract import MAX_SOURCE_BYTES
from submissions import services
from submissions.models import Draft, Submission
from submissions.tracebacks import student_error_line
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db
SLUG = "softmax-temperature"
DRAFT = "import torch\n\ndef softmax(z, temperature=1.0, dim=-1):\n    return z  # still thinking\n"

# Real tracebacks, from `python -m grader grade softmax-temperature bad.py --json` (report["traceback"]).
NESTED = (
    '  File "/sandbox/submission.py", line 12, in <module>\n'
    "    softmax(torch.zeros(3))\n"
    '  File "/sandbox/submission.py", line 9, in softmax\n'
    "    return helper(z)\n"
    "           ^^^^^^^^^\n"
    '  File "/sandbox/submission.py", line 5, in helper\n'
    "    return z.nonexistent_method()\n"
    "           ^^^^^^^^^^^^^^^^^^^^\n"
    "AttributeError: 'Tensor' object has no attribute 'nonexistent_method'\n"
)
AT_IMPORT = (
    '  File "/sandbox/submission.py", line 4, in <module>\n'
    "    y = undefined_name + x\n"
    "        ^^^^^^^^^^^^^^\n"
    "NameError: name 'undefined_name' is not defined\n"
)
SYNTAX = (
    '  File "/sandbox/submission.py", line 3\n'
    "    def softmax(z, temperature=1.0, dim=-1)\n"
    "                                           ^\n"
    "SyntaxError: expected ':'\n"
)
FAILING_SOURCE = "import torch\n\nx = 1\ny = undefined_name + x\n"


@pytest.fixture(autouse=True)
def draft_budget(redis_server, settings):
    """A real Redis counts draft saves; each test starts with none counted (user ids repeat across tests)."""
    settings.REDIS_URL = redis_server.url
    redis = progress.client(redis_server.url)
    for key in redis.scan_iter("ratelimit:draft:*"):
        redis.delete(key)


def page_url(course, slug=SLUG):
    return reverse("exercise", args=[course.slug, slug])


def draft_url(course, slug=SLUG):
    return reverse("exercise_draft", args=[course.slug, slug])


def save(client, course, source, slug=SLUG):
    return client.post(draft_url(course, slug), json.dumps({"source": source}), content_type="application/json")


def editor_text(response) -> str:
    """What the page put in the editor (the textarea CodeMirror starts from)."""
    match = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', response.content.decode(), re.S)
    return unescape(match.group(1))


def submit(user, course, source=SOLUTION):
    return services.submit_code(enrollment_of(user, course), exercise(SLUG), source)


def make_older(draft_or_submission, minutes=5):
    model = type(draft_or_submission)
    field = "updated_at" if model is Draft else "created_at"
    model.objects.filter(pk=draft_or_submission.pk).update(**{field: timezone.now() - timedelta(minutes=minutes)})


# --- saving and restoring ------------------------------------------------------------


def test_a_saved_draft_comes_back_in_the_editor_with_a_way_to_discard_it(client, alice, course):
    client.force_login(alice)
    response = save(client, course, DRAFT)
    assert response.status_code == 200
    saved_at = response.json()["saved_at"]
    draft = Draft.objects.get(student=alice, exercise=exercise(SLUG), course=course)
    assert draft.source == DRAFT and draft.updated_at.isoformat() == saved_at

    page = client.get(page_url(course))
    assert editor_text(page) == DRAFT
    html = page.content.decode()
    assert 'id="editor-note"' in html and 'id="discard-draft-button"' in html
    assert reverse("exercise_draft_discard", args=[course.slug, SLUG]) in html


def test_saving_again_updates_the_one_draft(client, alice, course):
    client.force_login(alice)
    save(client, course, "first = 1\n")
    save(client, course, "second = 2\n")
    assert list(Draft.objects.filter(student=alice).values_list("source", flat=True)) == ["second = 2\n"]


def test_a_draft_newer_than_the_last_submission_wins(client, alice, course):
    submission = submit(alice, course)
    make_older(submission)
    client.force_login(alice)
    save(client, course, DRAFT)
    assert editor_text(client.get(page_url(course))) == DRAFT


def test_a_draft_older_than_the_last_submission_loses(client, alice, course):
    client.force_login(alice)
    save(client, course, DRAFT)
    make_older(Draft.objects.get(student=alice))
    submit(alice, course)  # from another device, say
    page = client.get(page_url(course))
    assert editor_text(page) == SOLUTION
    assert 'id="discard-draft-button"' not in page.content.decode()


def test_without_draft_or_submission_the_editor_opens_with_the_starter(client, alice, course):
    client.force_login(alice)
    page = client.get(page_url(course))
    assert editor_text(page) == exercise(SLUG).current_version.data["starter"]
    assert 'id="editor-note"' not in page.content.decode()


def test_discarding_the_draft_brings_back_the_last_submission(client, alice, course):
    submit(alice, course)
    client.force_login(alice)
    save(client, course, DRAFT)
    response = client.post(reverse("exercise_draft_discard", args=[course.slug, SLUG]))
    assert response.status_code == 302 and response["Location"] == page_url(course)
    assert not Draft.objects.filter(student=alice).exists()
    assert editor_text(client.get(page_url(course))) == SOLUTION


def test_a_successful_submission_deletes_the_draft(client, alice, course):
    client.force_login(alice)
    save(client, course, DRAFT)
    response = client.post(page_url(course), {"source": SOLUTION})
    assert response.status_code == 302 and "/submissions/" in response["Location"]
    assert not Draft.objects.filter(student=alice).exists()


def test_a_refused_submission_keeps_the_draft_and_asks_the_page_to_save_what_was_typed(client, alice, course):
    client.force_login(alice)
    save(client, course, DRAFT)
    response = client.post(page_url(course), {"source": "   "})  # empty: refused
    assert response.status_code == 200
    assert Draft.objects.get(student=alice).source == DRAFT
    assert 'data-unsaved="true"' in response.content.decode()


# --- what the endpoint refuses ------------------------------------------------------------


def test_an_oversized_draft_is_refused_with_413(client, alice, course):
    client.force_login(alice)
    response = save(client, course, "x" * (MAX_SOURCE_BYTES + 1))
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert save(client, course, "x" * MAX_SOURCE_BYTES).status_code == 200  # the limit itself is fine
    # Bytes, not characters: two bytes each in UTF-8.
    assert save(client, course, "é" * (MAX_SOURCE_BYTES // 2 + 1)).status_code == 413


def test_text_that_was_not_utf8_is_refused_with_400(client, alice, course):
    client.force_login(alice)
    assert save(client, course, "x = '\ufffd'\n").json()["error"] == "not_utf8"
    raw = b'{"source": "x = \xff\xfe"}'
    response = client.post(draft_url(course), raw, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "not_utf8"
    lone_surrogate = '{"source": "x = \\ud800"}'
    assert client.post(draft_url(course), lone_surrogate, content_type="application/json").status_code == 400
    assert save(client, course, "x = 1\x00").status_code == 400
    assert not Draft.objects.exists()


def test_a_body_that_is_not_a_draft_is_refused_with_400(client, alice, course):
    client.force_login(alice)
    for body in ["not json", "[]", '{"source": 3}', "{}"]:
        assert client.post(draft_url(course), body, content_type="application/json").status_code == 400, body
    assert client.get(draft_url(course)).status_code == 405


def test_a_quiz_has_no_draft(client, alice, course):
    client.force_login(alice)
    assert save(client, course, DRAFT, slug="softmax-probability").status_code == 404
    discard = reverse("exercise_draft_discard", args=[course.slug, "softmax-probability"])
    assert client.post(discard).status_code == 404


def test_outsiders_can_neither_save_nor_discard_a_draft(client, alice, dave, course):
    client.force_login(dave)  # teaches another course
    assert save(client, course, DRAFT).status_code == 404
    assert client.post(reverse("exercise_draft_discard", args=[course.slug, SLUG])).status_code == 404
    client.logout()
    assert save(client, course, DRAFT).status_code == 302  # to the login page
    assert not Draft.objects.exists()


def test_a_student_never_reads_nor_overwrites_another_students_draft(client, alice, bob, course):
    client.force_login(alice)
    save(client, course, DRAFT)
    client.force_login(bob)
    page = client.get(page_url(course))
    assert "still thinking" not in page.content.decode()
    assert editor_text(page) == exercise(SLUG).current_version.data["starter"]
    save(client, course, "bob = 1\n")
    client.post(reverse("exercise_draft_discard", args=[course.slug, SLUG]))
    # Bob saved and discarded his own; Alice's is untouched.
    assert list(Draft.objects.values_list("student__username", "source")) == [("alice", DRAFT)]
    client.force_login(alice)
    assert editor_text(client.get(page_url(course))) == DRAFT


def test_over_the_budget_a_save_is_refused_with_429_and_when_to_try_again(client, alice, bob, course, settings):
    settings.DRAFT_SAVES_PER_MINUTE = 3
    if timezone.now().second > 50:  # counts are per clock minute: stay inside one
        import time

        time.sleep(61 - timezone.now().second)
    client.force_login(alice)
    codes = [save(client, course, f"x = {i}\n").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = save(client, course, "x = 9\n")
    assert refused.json()["error"] == "too_many_requests" and 0 < int(refused["Retry-After"]) <= 60
    assert Draft.objects.get(student=alice).source == "x = 2\n"  # the refused ones stored nothing
    client.force_login(bob)  # a budget of his own
    assert save(client, course, "b = 1\n").status_code == 200


# --- ?load= ------------------------------------------------------------------------


def test_load_puts_the_students_own_attempt_in_the_editor(client, alice, course):
    first = submit(alice, course, "first = 1\n")
    services.record_result(first.pk, {"status": "graded", "score": 0, "checks": []}, first.token)
    submit(alice, course, SOLUTION)
    client.force_login(alice)
    save(client, course, DRAFT)  # ?load= is asked for: it wins over the draft too
    page = client.get(page_url(course) + f"?load={first.pk}")
    assert editor_text(page) == "first = 1\n"
    html = page.content.decode()
    assert 'id="editor-note"' in html and f"#{first.pk}" in html


def test_load_ignores_someone_elses_attempt_and_ones_that_do_not_exist(client, alice, bob, course):
    theirs = submit(bob, course, "bob_secret = 1\n")
    mine = submit(alice, course, SOLUTION)
    client.force_login(alice)
    baseline = client.get(page_url(course))
    for value in [theirs.pk, theirs.pk + 1000, "abc", "-1", mine.pk + 10**15]:
        page = client.get(page_url(course) + f"?load={value}")
        assert page.status_code == 200
        assert editor_text(page) == SOLUTION, value
        assert "bob_secret" not in page.content.decode()
        # Nothing tells a foreign attempt from a missing one.
        assert 'id="editor-note"' not in page.content.decode()
    assert editor_text(baseline) == SOLUTION


def test_load_of_an_attempt_of_another_exercise_is_ignored(client, alice, course):
    other = services.submit_code(enrollment_of(alice, course), exercise("sample-next-token"), "other = 1\n")
    client.force_login(alice)
    page = client.get(page_url(course) + f"?load={other.pk}")
    assert editor_text(page) == exercise(SLUG).current_version.data["starter"]


def test_an_instructor_cannot_load_a_students_attempt(client, alice, carla, course):
    theirs = submit(alice, course, "alice_code = 1\n")
    client.force_login(carla)
    page = client.get(page_url(course) + f"?load={theirs.pk}")
    assert "alice_code" not in page.content.decode()


# --- the line that raised ------------------------------------------------------------


@pytest.mark.parametrize(
    ("traceback", "line"),
    [(NESTED, 5), (AT_IMPORT, 4), (SYNTAX, 3), ("", None), (None, None)],
    ids=["innermost-of-nested-frames", "at-import", "syntax-error", "empty", "none"],
)
def test_the_error_line_is_the_last_line_of_the_students_file_in_the_traceback(traceback, line):
    assert student_error_line(traceback) == line


def test_the_error_line_ignores_other_files_and_what_is_not_a_frame():
    other = '  File "/usr/lib/python3/site-packages/torch/functional.py", line 77, in f\n    x\nValueError: bad\n'
    assert student_error_line(other) is None
    # A message that mentions a line, not indented as a frame.
    message = AT_IMPORT + 'During handling: File "/sandbox/submission.py", line 99\n'
    assert student_error_line(message) == 4
    assert student_error_line('  File "/tmp/submission.py", line 2, in f\n') is None


def errored(user, course, source=FAILING_SOURCE, traceback=AT_IMPORT):
    submission = submit(user, course, source)
    services.record_result(submission.pk, {"status": "error", "traceback": traceback, "checks": []}, submission.token)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ERROR
    return submission


def test_after_an_error_the_page_marks_the_line_that_raised(client, alice, course):
    submission = errored(alice, course)
    client.force_login(alice)
    page = client.get(page_url(course))
    html = page.content.decode()
    assert editor_text(page) == FAILING_SOURCE
    assert 'data-error-line="4"' in html
    assert 'id="error-line-note"' in html and reverse("submission", args=[submission.pk]) in html


def test_the_error_line_is_not_marked_on_other_code(client, alice, course):
    errored(alice, course)
    client.force_login(alice)
    save(client, course, DRAFT)  # newer, and different: the line numbers would not match
    html = client.get(page_url(course)).content.decode()
    assert "data-error-line" not in html and "error-line-note" not in html


def test_a_graded_attempt_marks_no_line(client, alice, course):
    submission = submit(alice, course)
    services.record_result(
        submission.pk, {"status": "graded", "score": 0, "checks": [], "traceback": AT_IMPORT}, submission.token
    )
    client.force_login(alice)
    assert "data-error-line" not in client.get(page_url(course)).content.decode()


def test_a_draft_that_only_repeats_the_last_submission_is_not_announced(client, alice, course):
    # A textarea posts CRLF line ends; the editor's draft has LF: the same code all the same.
    submission = submit(alice, course, DRAFT.replace("\n", "\r\n"))
    make_older(submission)
    client.force_login(alice)
    save(client, course, DRAFT)
    page = client.get(page_url(course))
    assert 'id="editor-note"' not in page.content.decode()
    assert editor_text(page).replace("\r\n", "\n") == DRAFT
