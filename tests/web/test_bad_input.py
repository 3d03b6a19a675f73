"""Bad input gets a clear message, keeps what was typed and stores nothing: never a 500.

These run on SQLite and on PostgreSQL (.ci/run), whose limits differ: PostgreSQL
refuses U+0000 in text and JSON, and a year past 9999.
"""

import pytest
from django.urls import reverse

from courses.models import CourseLesson
from submissions.models import QuizAnswer, Submission
from tests.conftest import exercise

pytestmark = pytest.mark.django_db


def _post(client, user, course, slug, data):
    client.force_login(user)
    return client.post(reverse("exercise", args=[course.slug, slug]), data)


def test_a_nul_byte_in_an_answer_is_explained_and_the_text_is_kept(client, alice, course):
    typed = "A temperatura divide os logits\x00 antes da softmax e muda a distribuição."
    response = _post(client, alice, course, "temperature-meaning", {"answer": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert "caractere invisível (NUL)" in page
    assert "A temperatura divide os logits" in page  # the textarea keeps the answer
    assert QuizAnswer.objects.count() == 0


def test_a_nul_byte_in_a_list_or_a_choice_is_refused_too(client, alice, course):
    assert _post(client, alice, course, "activation-functions-list", {"answer": "ReLU\x00, tanh"}).status_code == 200
    assert _post(client, alice, course, "activations-choose", {"answer": ["relu\x00"]}).status_code == 200
    assert QuizAnswer.objects.count() == 0


@pytest.mark.parametrize("position", ["²", "٣", "1" * 4000, "-1", " 2", "1.0"])
def test_odd_ordering_positions_are_explained_not_a_crash(client, alice, course, position):
    data = {"pos_pretraining": position, "pos_sft": "2", "pos_reward": "3", "pos_ppo": "4"}
    response = _post(client, alice, course, "training-stages-order", data)
    assert response.status_code == 200
    assert "Use cada item exatamente uma vez" in response.content.decode()
    assert QuizAnswer.objects.count() == 0


@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "2024-02-30T10:00", "1900-01-01T00:00", "2026-13-01T00:00"])
def test_an_impossible_or_far_due_date_is_refused_and_every_page_still_works(client, carla, course, typed):
    lesson = exercise("softmax-temperature").lesson
    lesson_url = reverse("lesson", args=[course.slug, lesson.slug])
    client.force_login(carla)
    response = client.post(reverse("lesson_due", args=[course.slug, lesson.slug]), {"due_at": typed})
    assert response.status_code == 302 and "due_error=1" in response["Location"]
    assert CourseLesson.objects.get(course=course, lesson=lesson).due_at is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "nada foi salvo" in html and f'value="{typed}"' in html  # the text typed is kept
    assert client.get(reverse("course", args=[course.slug])).status_code == 200
    assert client.get(lesson_url).status_code == 200


def test_the_last_year_allowed_is_stored_and_read_back(client, carla, course):
    lesson = exercise("softmax-temperature").lesson
    client.force_login(carla)
    client.post(reverse("lesson_due", args=[course.slug, lesson.slug]), {"due_at": "2200-12-31T23:59"})
    due = CourseLesson.objects.get(course=course, lesson=lesson).due_at
    assert due is not None and due.year == 2201  # 23:59 in São Paulo is 02:59 UTC the next day
    assert client.get(reverse("lesson", args=[course.slug, lesson.slug])).status_code == 200
    assert client.post(reverse("lesson_due", args=[course.slug, lesson.slug]), {"clear": "1"}).status_code == 302


# --- code that cannot be read as sent -------------------------------------------------


def test_a_request_too_large_is_refused_before_it_is_read_with_the_sites_page(client, alice, course):
    from django.conf import settings

    client.force_login(alice)
    body = "x" * (settings.MAX_REQUEST_BYTES + 10)
    url = reverse("exercise", args=[course.slug, "softmax-temperature"])
    response = client.post(url, {"source": body})
    page = response.content.decode()
    assert response.status_code == 413 and "Grande demais para enviar" in page and "64 KiB" in page
    assert not Submission.objects.exists()
    # PEP 3333 forbids a WSGI application's hop-by-hop headers; wsgiref (`make run`) answers 500 for one.
    from wsgiref.util import is_hop_by_hop

    assert not [name for name in response.headers if is_hop_by_hop(name)]


def test_code_with_bytes_that_are_not_utf8_is_refused_and_kept(client, alice, course):
    client.force_login(alice)
    url = reverse("exercise", args=[course.slug, "softmax-temperature"])
    # As a browser would post a textarea holding Latin-1 bytes: Django decodes them to U+FFFD.
    body = b"source=def+softmax%28z%29%3A+%23+ol%E1%0A"
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    page = response.content.decode()
    assert response.status_code == 200 and "não são UTF-8 válido" in page and "def softmax(z): # ol" in page
    assert not Submission.objects.exists()


def test_a_file_and_typed_code_together_lose_neither(client, alice, course):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(alice)
    url = reverse("exercise", args=[course.slug, "softmax-temperature"])
    typed = "def softmax(z, temperature=1.0):\n    return z  # typed in the page\n"
    upload = SimpleUploadedFile("mine.py", b"def softmax(z, temperature=1.0):\n    return z\n")
    response = client.post(url, {"source": typed, "file": upload})
    page = response.content.decode()
    assert "enviou um arquivo e também código digitado" in page and "# typed in the page" in page
    assert not Submission.objects.exists()
    # The editor's own starter beside a file is no conflict: the file is graded.
    starter = exercise("softmax-temperature").current_version.data["starter"]
    upload = SimpleUploadedFile("mine.py", b"def softmax(z, temperature=1.0):\n    return z\n")
    # (as a browser posts a text area: every line ending in CRLF)
    crlf = starter.replace("\n", "\r\n")
    response = client.post(url, {"source": crlf, "file": upload}, follow=True)
    assert Submission.objects.get().source.endswith("return z\n")
    # ...and the submission's page says which was graded.
    assert "mine.py" in response.content.decode() and "não foi enviado" in response.content.decode()
    # The page offers the file field, and caps the text area (without JavaScript) at the size limit.
    page = client.get(url).content.decode()
    assert 'type="file" id="code-file" name="file"' in page and 'maxlength="65536"' in page


def test_code_posted_with_crlf_line_endings_is_stored_as_the_editor_shows_it(client, alice, course):
    client.force_login(alice)
    response = client.post(
        reverse("exercise", args=[course.slug, "softmax-temperature"]), {"source": "import torch\r\n\r\nx = 1\r\n"}
    )
    assert response.status_code == 302
    assert Submission.objects.get(student=alice).source == "import torch\n\nx = 1\n"
