"""Quiz items cannot be brute-forced or read off the page: attempt policies, new variants,
the explanation held back until the key may be shown, per-student option tokens and late answers."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Exercise
from courses.models import CourseLesson
from grader import manifest
from grader.quiz import base
from submissions import services
from submissions.models import QuizAnswer
from tests.conftest import choice_value, enrollment_of, exercise

pytestmark = pytest.mark.django_db


def _single_choice_with_explained_wrong_option() -> tuple[Exercise, str, str]:
    """A single-choice item of the bank, its key and a wrong option that has its own feedback."""
    for item in Exercise.objects.filter(active=True, kind=Exercise.QUIZ).select_related("current_version"):
        spec = item.current_version.data["quiz"]
        if spec["type"] == "single_choice" and not spec.get("attempts"):
            wrong = [o["id"] for o in spec["options"] if o["id"] != spec["answer"] and o.get("feedback")]
            if wrong:
                return item, spec["answer"], wrong[0]
    raise AssertionError("the bank has no single-choice item whose wrong options explain themselves")


def _post(client, user, course, slug, data):
    client.force_login(user)
    return client.post(reverse("exercise", args=[course.slug, slug]), data)


def _page(client, user, course, slug):
    client.force_login(user)
    return client.get(reverse("exercise", args=[course.slug, slug])).content.decode()


def _set_due(course, item, when):
    CourseLesson.objects.filter(course=course, lesson=item.lesson).update(due_at=when)


def test_a_choice_item_allows_two_tries_the_second_for_half_and_says_so_first(client, alice, course, catalog):
    item, key, wrong = _single_choice_with_explained_wrong_option()
    before = _page(client, alice, course, item.slug)
    assert "Até 2 tentativas" in before and "100% · 50%" in before  # stated before any answer
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, wrong)})
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, key)})
    first, second = QuizAnswer.objects.filter(student=alice).order_by("created_at", "pk")
    assert (first.attempt, first.correct, second.attempt, second.correct, second.credit) == (1, False, 2, True, 0.5)
    points = item.current_version.max_score
    scores = services.quiz_scores(course, alice, [item])
    assert scores == {item.id: points / 2}
    # A third answer is refused with a reason, and nothing is stored.
    response = _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, key)})
    assert response.status_code == 200 and "já usou as 2 tentativas" in response.content.decode()
    assert QuizAnswer.objects.filter(student=alice).count() == 2


def test_a_wrong_answer_does_not_show_the_explanation_until_the_attempts_are_used(client, alice, bob, course, catalog):
    item, key, wrong = _single_choice_with_explained_wrong_option()
    explanation = next(o for o in item.current_version.data["quiz"]["options"] if o["id"] == wrong)["feedback"]["pt"]
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, wrong)})
    page = _page(client, alice, course, item.slug)
    assert explanation not in page and 'id="explanation-later"' in page and 'id="key"' not in page
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, wrong)})
    page = _page(client, alice, course, item.slug)
    assert explanation in page and 'id="no-attempts"' in page
    right = next(o for o in item.current_version.data["quiz"]["options"] if o["id"] == key)["text"]["pt"]
    assert 'id="key"' in page and html.escape(right) in page.split('id="key"')[1].split("</p>")[0]
    # Past the due date the explanation shows at once, and answers are practice.
    _set_due(course, item, timezone.now() - timedelta(hours=1))
    _post(client, bob, course, item.slug, {"answer": choice_value(bob, course, item.slug, wrong)})
    assert explanation in _page(client, bob, course, item.slug)


def test_the_page_shows_the_chosen_option_by_its_text_never_by_its_id(client, alice, course, catalog):
    item, key, wrong = _single_choice_with_explained_wrong_option()
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, wrong)})
    page = _page(client, alice, course, item.slug)
    text = next(o for o in item.current_version.data["quiz"]["options"] if o["id"] == wrong)["text"]["pt"]
    assert f"<code>{text}" in page.replace("&#x27;", "'").replace("&quot;", '"') or text[:30] in page
    assert f"<code>{wrong}</code>" not in page and f'value="{key}"' not in page


def test_options_are_shuffled_per_student_stably_and_the_key_is_not_always_first(client, course, catalog):
    from django.contrib.auth import get_user_model

    from courses.models import Enrollment

    item, key, _ = _single_choice_with_explained_wrong_option()
    spec = item.current_version.data["quiz"]
    places, orders = [], set()
    for n in range(24):
        user = get_user_model().objects.create_user(f"student{n}", password="x")
        Enrollment.objects.create(course=course, user=user, role=Enrollment.STUDENT)
        seed = services.quiz_state(enrollment_of(user, course), item).seed
        order = [o["id"] for o in base.shuffled_options(spec["options"], seed)]
        assert order == [o["id"] for o in base.shuffled_options(spec["options"], seed)]  # stable
        values = [base.opaque_value(seed, option) for option in order]
        page = _page(client, user, course, item.slug)
        assert [page.index(f'value="{value}"') for value in values] == sorted(
            page.index(f'value="{v}"') for v in values
        )
        places.append(order.index(key))
        orders.add(tuple(order))
    assert len(set(places)) >= 3 and len(orders) >= 6, (places, orders)


def test_a_token_of_another_student_or_an_option_id_is_not_an_answer(client, alice, bob, course, catalog):
    item, key, _ = _single_choice_with_explained_wrong_option()
    for posted in (key, choice_value(bob, course, item.slug, key)):
        response = _post(client, alice, course, item.slug, {"answer": posted})
        assert response.status_code == 200 and "Escolha uma das opções" in response.content.decode()
    assert not QuizAnswer.objects.filter(student=alice).exists()


def test_a_per_student_number_changes_after_a_wrong_answer(client, alice, course, catalog):
    slug = "softmax-probability"
    enrollment = enrollment_of(alice, course)
    first = services.quiz_state(enrollment, exercise(slug))
    assert first.variant == 0 and first.params == services.quiz_params(exercise(slug), alice.id)
    wrong = str(first.params["answer"] + 0.2)
    _post(client, alice, course, slug, {"answer": wrong, "variant": "0"})
    second = services.quiz_state(enrollment, exercise(slug))
    assert second.variant == 1 and second.params != first.params
    assert "new-numbers" in _page(client, alice, course, slug)
    # An answer posted from the page that still showed the old numbers is refused, and costs nothing.
    response = _post(client, alice, course, slug, {"answer": str(first.params["answer"]), "variant": "0"})
    assert "mudou desde que você abriu" in response.content.decode()
    assert QuizAnswer.objects.filter(student=alice).count() == 1
    _post(client, alice, course, slug, {"answer": str(second.params["answer"]), "variant": "1"})
    latest = QuizAnswer.objects.filter(student=alice).first()
    assert latest.correct and latest.variant == 1 and latest.params == second.params and latest.credit == 0.75


def test_stepping_a_number_cannot_reach_the_key(alice, course, catalog):
    """Measured before: ~250 posts stepping the tolerance found any value; now three answers count."""
    slug = "softmax-probability"
    enrollment = enrollment_of(alice, course)
    key = services.quiz_state(enrollment, exercise(slug)).params["answer"]
    refused = 0
    for step in range(250):
        try:
            services.answer_quiz(enrollment, exercise(slug), str(round(step * 0.004, 4)))
        except services.quiz.MalformedAnswer:
            refused += 1
    answers = QuizAnswer.objects.filter(student=alice)
    assert answers.count() == 3 and refused == 247
    # And each wrong answer brought new numbers: no two steps were tried against the same key.
    assert sorted(a.variant for a in answers) == [0, 1, 2]
    assert len({a.params["answer"] for a in answers}) == 3 and answers.last().params["answer"] == key


def test_late_answers_are_marked_kept_out_of_the_score_and_the_page_says_so_first(client, alice, course, catalog):
    item, key, wrong = _single_choice_with_explained_wrong_option()
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, wrong)})
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, wrong)})
    _set_due(course, item, timezone.now() - timedelta(minutes=5))
    page = _page(client, alice, course, item.slug)
    assert "O prazo passou" in page and "não contam na nota da aula" in page
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, key)})
    late = QuizAnswer.objects.filter(student=alice).first()
    assert late.late and late.correct and late.attempt == 0 and late.credited_score == 0
    assert services.quiz_scores(course, alice, [item]) == {item.id: 0.0}
    lesson = _page_lesson(client, alice, course, item)
    assert f"0 / {item.current_version.max_score:g}" in lesson


def test_before_the_due_date_the_page_warns_that_late_answers_will_not_count(client, alice, course, catalog):
    item, _, _ = _single_choice_with_explained_wrong_option()
    _set_due(course, item, timezone.now() + timedelta(days=3))
    assert "Respostas enviadas depois do prazo" in _page(client, alice, course, item.slug)


def _page_lesson(client, user, course, item):
    client.force_login(user)
    return client.get(reverse("lesson", args=[course.slug, item.lesson.slug])).content.decode()


def test_a_free_text_item_keeps_the_best_of_three(alice, course, catalog):
    slug = "temperature-meaning"
    item = exercise(slug)
    policy = services.quiz_policy(item)
    assert policy["max"] == 3 and policy["score"] == "best"
    enrollment = enrollment_of(alice, course)
    good = "A temperatura divide os logits antes da softmax; alta deixa a saída mais criativa e aleatória."
    weak = "A temperatura muda alguma coisa no modelo quando ele gera as palavras da resposta."
    services.answer_quiz(enrollment, item, good)
    best = QuizAnswer.objects.get(student=alice).score
    services.answer_quiz(enrollment, item, weak)
    assert services.quiz_scores(course, alice, [item]) == {item.id: best}


def test_scores_under_each_policy():
    best = {"max": 3, "score": "best", "credit": None}
    last = {"max": 3, "score": "last", "credit": None}
    decreasing = {"max": 3, "score": "decreasing", "credit": [1.0, 0.6, 0.3]}
    assert base.item_score(best, [0.0, 1.0, 0.5]) == 1.0
    assert base.item_score(last, [0.0, 1.0, 0.5]) == 0.5
    credited = [s * base.attempt_credit(decreasing, n) for n, s in enumerate([0.0, 0.0, 1.0], 1)]
    assert base.item_score(decreasing, credited) == pytest.approx(0.3)
    assert base.item_score(best, []) is None


CHOICE = {
    "type": "single_choice",
    "answer": "a",
    "options": [{"id": "a", "text": {"pt": "A", "en": "A"}}, {"id": "b", "text": {"pt": "B", "en": "B"}}],
}


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"max": 3, "score": "decreasing"}, "attempts.credit"),
        ({"max": 2, "score": "decreasing", "credit": [1.0, 0.5, 0.25]}, "attempts.credit"),
        ({"max": 2, "score": "decreasing", "credit": [1.0, 1.5]}, "attempts.credit[1]"),
        ({"max": 2, "score": "decreasing", "credit": [0.5, 1.0]}, "attempts.credit"),
        ({"max": 2, "score": "best", "credit": [1.0, 0.5]}, "attempts.credit"),
        ({"max": 0}, "attempts.max"),
        ({"max": 2, "score": "worst"}, "attempts.score"),
    ],
)
def test_an_attempt_policy_that_cannot_work_is_refused_at_its_field(table, field):
    fields = [where for where, _ in manifest.quiz_errors({**CHOICE, "attempts": table})]
    assert fields and fields[0].endswith(field), fields


def test_an_item_may_declare_its_own_policy():
    spec = manifest.quiz_data(manifest.quiz({**CHOICE, "attempts": {"max": 4, "score": "last"}}))
    policy = base.attempt_policy(services.quiz.item_type("single_choice"), spec)
    assert (policy["max"], policy["score"], policy["new_variant"]) == (4, "last", True)


def test_a_flood_of_answers_is_slowed_down_and_costs_nothing(client, alice, bob, course, catalog, settings):
    """Late practice has no attempt limit; the per-minute cap stops a script, not a student."""
    item, key, wrong = _single_choice_with_explained_wrong_option()
    _set_due(course, item, timezone.now() - timedelta(hours=1))
    settings.QUIZ_ANSWERS_PER_MINUTE = 5
    for _ in range(5):
        _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, wrong)})
    response = _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, key)})
    assert "Muitas respostas em pouco tempo" in response.content.decode()
    assert QuizAnswer.objects.filter(student=alice).count() == 5
    # Another student is not held back, and a minute later Alice may answer again.
    _post(client, bob, course, item.slug, {"answer": choice_value(bob, course, item.slug, key)})
    assert QuizAnswer.objects.filter(student=bob).count() == 1
    QuizAnswer.objects.filter(student=alice).update(created_at=timezone.now() - timedelta(seconds=61))
    _post(client, alice, course, item.slug, {"answer": choice_value(alice, course, item.slug, key)})
    assert QuizAnswer.objects.filter(student=alice).count() == 6
