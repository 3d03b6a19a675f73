"""Pages and access rules, through Django's test client."""

import pytest
from django.urls import reverse

from submissions.models import QuizAnswer, Submission
from tests.conftest import SOLUTION, choice_value, enrollment_of, exercise

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_login_page_is_in_portuguese_by_default(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "Entrar" in response.content.decode()


def test_language_switch_shows_english(client, alice, course):
    login(client, alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    assert "Softmax with temperature" in page
    assert "Softmax com temperatura" not in page


def test_anonymous_visitors_are_sent_to_login(client, course):
    response = client.get(reverse("course", args=[course.slug]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_student_sees_the_lesson_and_its_exercises(client, alice, course):
    page = login(client, alice).get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    assert "Softmax com temperatura" in page and "Probabilidade com temperatura" in page


def test_outsiders_get_404_for_a_course(client, dave, course):
    assert login(client, dave).get(reverse("course", args=[course.slug])).status_code == 404


def test_code_page_shows_the_starter_but_never_the_solution(client, alice, course):
    page = login(client, alice).get(reverse("exercise", args=[course.slug, "softmax-temperature"])).content.decode()
    assert "torch.zeros_like(z)" in page
    assert "amax" not in page and "make_cases" not in page


def test_quiz_answer_is_graded_in_the_request(client, alice, course):
    from submissions.services import quiz_params

    params = quiz_params(exercise("softmax-probability"), alice.id)
    url = reverse("exercise", args=[course.slug, "softmax-probability"])
    login(client, alice)
    page = client.get(url).content.decode()
    # As a Portuguese reader writes it: "T = 2" or "T = 0,7" (not "2,0"), whatever this student drew.
    temperature = f"{params['temperature']:g}".replace(".", ",")
    assert f"T = {temperature}" in page
    client.post(url, {"answer": f"{params['answer']:.3f}".replace(".", ",")})
    answer = QuizAnswer.objects.get(student=alice)
    assert answer.correct and answer.score == 1
    assert answer.params["answer"] == pytest.approx(params["answer"])
    assert "Correto" in client.get(url).content.decode()


def test_malformed_quiz_answer_is_explained_and_not_saved(client, alice, course):
    url = reverse("exercise", args=[course.slug, "softmax-probability"])
    response = login(client, alice).post(url, {"answer": "meio"})
    assert response.status_code == 200
    assert "Não foi possível ler" in response.content.decode()
    assert QuizAnswer.objects.count() == 0


def test_single_choice_unknown_option_is_not_saved(client, alice, course):
    url = reverse("exercise", args=[course.slug, "gpt-meaning"])
    response = login(client, alice).post(url, {"answer": "<script>"})
    assert "Escolha uma das opções" in response.content.decode()
    assert QuizAnswer.objects.count() == 0


def test_submitting_code_saves_it_queued_and_publishes_after_commit(
    client, alice, course, django_capture_on_commit_callbacks
):
    url = reverse("exercise", args=[course.slug, "softmax-temperature"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(client, alice).post(url, {"source": SOLUTION})
    submission = Submission.objects.get(student=alice)
    assert response.status_code == 302 and response["Location"] == reverse("submission", args=[submission.pk])
    assert submission.status == "queued" and submission.queue == "cpu" and submission.max_score == 10
    assert len(callbacks) == 1  # the task is sent only once the row is committed


@pytest.mark.parametrize(
    ("source", "reason"),
    [("x = 1\n" * 20000, "mais de 64 KiB"), ("   \n", "está vazio")],
)
def test_bad_code_is_refused_with_a_reason_and_nothing_saved(client, alice, course, source, reason):
    url = reverse("exercise", args=[course.slug, "softmax-temperature"])
    response = login(client, alice).post(url, {"source": source})
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert Submission.objects.count() == 0


def test_uploaded_non_utf8_file_is_refused(client, alice, course):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("exercise", args=[course.slug, "softmax-temperature"])
    upload = SimpleUploadedFile("s.py", b"x = '\xff'\n")
    response = login(client, alice).post(url, {"file": upload})
    assert "não é texto UTF-8" in response.content.decode()
    assert Submission.objects.count() == 0


def _submission(user, course):
    from submissions import services

    return services.submit_code(enrollment_of(user, course), exercise("softmax-temperature"), SOLUTION)


def test_status_json_for_the_author_and_the_instructor_only(client, alice, bob, carla, dave, course):
    submission = _submission(alice, course)
    url = reverse("submission_status", args=[submission.pk])
    data = login(client, alice).get(url).json()
    assert data["status"] == "queued" and data["final"] is False and data["status_label"] == "Na fila"
    assert login(client, carla).get(url).status_code == 200
    assert login(client, bob).get(url).status_code == 404
    assert login(client, dave).get(url).status_code == 404


def test_replay_details_are_shown_to_instructors_only(client, alice, carla, course):
    from submissions import services

    submission = _submission(alice, course)
    report = {
        "status": "graded",
        "score": 3,
        "content_hash": submission.version.content_hash,
        "checks": [],
        "private": {"seed": 987654321, "failures": [{"check": "stable", "call": "softmax", "args": [], "kwargs": {}}]},
    }
    services.record_result(submission.pk, report, submission.token)
    page_url = reverse("submission", args=[submission.pk])
    status_url = reverse("submission_status", args=[submission.pk])
    assert "987654321" not in login(client, alice).get(page_url).content.decode()
    assert "987654321" not in client.get(status_url).content.decode()
    assert "987654321" in login(client, carla).get(page_url).content.decode()


def _post_quiz(client, user, course, slug, data):
    login(client, user).post(reverse("exercise", args=[course.slug, slug]), data)
    return QuizAnswer.objects.filter(student=user, exercise__slug=slug).first()


def test_ordering_is_answered_by_numbering_the_shuffled_items(client, alice, course):
    right = {"pos_pretraining": "1", "pos_sft": "2", "pos_reward": "3", "pos_ppo": "4"}
    page = login(client, alice).get(reverse("exercise", args=[course.slug, "training-stages-order"])).content.decode()
    shown = [page.index(f'name="pos_{key}"') for key in ("pretraining", "sft", "reward", "ppo")]
    assert shown != sorted(shown)  # never shown in the keyed order
    answer = _post_quiz(client, alice, course, "training-stages-order", right)
    assert answer.correct and answer.answer == ["pretraining", "sft", "reward", "ppo"]


def test_ordering_with_a_repeated_position_is_explained_and_not_saved(client, alice, course):
    data = {"pos_pretraining": "1", "pos_sft": "1", "pos_reward": "3", "pos_ppo": "4"}
    response = login(client, alice).post(reverse("exercise", args=[course.slug, "training-stages-order"]), data)
    assert "Use cada item exatamente uma vez" in response.content.decode()
    assert QuizAnswer.objects.count() == 0


def test_matching_multiple_choice_and_list_answers_are_read_from_their_forms(client, alice, course):
    matches = {
        "match_sales": "relu",
        "match_digit": "softmax",
        "match_tags": "sigmoid",
        "match_temperature": "identity",
    }
    assert _post_quiz(client, alice, course, "output-activation-match", matches).correct
    picked = [choice_value(alice, course, "activations-choose", option) for option in ("relu", "sigmoid")]
    assert _post_quiz(client, alice, course, "activations-choose", {"answer": picked}).score == 0.6667
    listed = _post_quiz(client, alice, course, "activation-functions-list", {"answer": "Sigmóide\nReLU\ntanh"})
    assert listed.correct


def test_a_free_text_answer_is_saved_as_provisional_and_says_so(client, alice, course):
    text = "A temperatura divide os logits antes da softmax; alta deixa a saída mais criativa e aleatória."
    answer = _post_quiz(client, alice, course, "temperature-meaning", {"answer": text})
    assert answer.provisional and 0 < answer.score < answer.max_score
    page = client.get(reverse("exercise", args=[course.slug, "temperature-meaning"])).content.decode()
    assert "Nota provisória" in page


def test_a_free_text_answer_keeps_what_the_review_needs_and_the_page_keeps_the_rubric_to_itself(client, alice, course):
    text = "Ela divide os logits antes da softmax. Com temperatura baixa a saída fica mais criativa."
    answer = _post_quiz(client, alice, course, "temperature-meaning", {"answer": text})
    assert answer.details["engine"] == "rubric-1" and answer.details["provisional"] is True
    assert answer.details["concepts"] == ["divides-logits"]
    assert answer.details["misconceptions"] == ["inverted"]
    assert answer.details["evidence"]["inverted"] == "baixa … criativa"
    assert answer.score == 0
    page = client.get(reverse("exercise", args=[course.slug, "temperature-meaning"])).content.decode()
    assert "Confira de novo qual extremo" in page  # the misconception's hint, in the student's words
    for hidden in ("inverted", "divides-logits", "inverte os extremos", "argmax|max|guloso"):
        assert hidden not in page


def test_the_temperature_lab_ships_its_logits_to_the_page(client, alice, course):
    page = login(client, alice).get(reverse("exercise", args=[course.slug, "temperature-lab"])).content.decode()
    assert 'id="softmax-lab"' in page and "softmax_lab.js" in page
    assert "[3.0, 2.0, 0.5, -1.0]" in page
    flatter = choice_value(alice, course, "temperature-lab", "flatter")
    assert _post_quiz(client, alice, course, "temperature-lab", {"answer": flatter}).correct
