"""A student never sees another's work, and everything a student typed comes back escaped."""

import pytest
from django.urls import reverse

from submissions import services
from submissions.models import QuizAnswer
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"


def test_another_students_submission_answers_and_numbers_stay_hidden(client, alice, bob, dave, course):
    submission = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
    text = "A temperatura divide os logits antes da softmax e muda a distribuição toda marcada Alice."
    services.answer_quiz(enrollment_of(alice, course), exercise("temperature-meaning"), text)
    for intruder in (bob, dave):
        client.force_login(intruder)
        assert client.get(reverse("submission", args=[submission.pk])).status_code == 404
        assert client.get(reverse("submission_status", args=[submission.pk])).status_code == 404
    client.force_login(bob)
    quiz_page = client.get(reverse("exercise", args=[course.slug, "temperature-meaning"])).content.decode()
    assert "marcada Alice" not in quiz_page
    code_page = client.get(reverse("exercise", args=[course.slug, "softmax-temperature"])).content.decode()
    assert SOLUTION.splitlines()[-1].strip() not in code_page  # Bob's editor holds the starter, not Alice's code
    # Per-student numbers: Bob's page shows his own, not Alice's.
    mine = services.quiz_params(exercise("softmax-probability"), bob.id)
    hers = services.quiz_params(exercise("softmax-probability"), alice.id)
    page = client.get(reverse("exercise", args=[course.slug, "softmax-probability"])).content.decode()
    assert mine["target"] in page and (hers == mine or hers["logits_table"] != mine["logits_table"])


def test_someone_outside_the_course_can_neither_read_nor_answer(client, dave, course):
    client.force_login(dave)
    url = reverse("exercise", args=[course.slug, "gradient-step"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "1,2"}).status_code == 404
    assert not QuizAnswer.objects.exists()


def test_a_typed_answer_with_markup_comes_back_escaped(client, alice, course):
    client.force_login(alice)
    text = f"A temperatura divide os logits antes da softmax {SCRIPT} e muda a distribuição."
    client.post(reverse("exercise", args=[course.slug, "temperature-meaning"]), {"answer": text})
    page = client.get(reverse("exercise", args=[course.slug, "temperature-meaning"])).content.decode()
    assert QuizAnswer.objects.filter(student=alice).exists()
    assert SCRIPT not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    # A refused answer comes back in its box and in the message, escaped too.
    response = client.post(reverse("exercise", args=[course.slug, "gradient-step"]), {"answer": SCRIPT})
    page = response.content.decode()
    assert response.status_code == 200 and "Não foi possível ler" in page
    assert SCRIPT not in page and page.count("&lt;script&gt;") >= 2


def test_code_with_markup_comes_back_escaped_in_the_editor_and_the_submission(client, alice, course):
    client.force_login(alice)
    source = SOLUTION + f"\n# </textarea>{SCRIPT}\n"
    response = client.post(reverse("exercise", args=[course.slug, "softmax-temperature"]), {"source": source})
    assert response.status_code == 302
    for url in (response.url, reverse("exercise", args=[course.slug, "softmax-temperature"])):
        page = client.get(url).content.decode()
        assert SCRIPT not in page and "</textarea><script>" not in page
