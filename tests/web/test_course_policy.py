"""A course's attempt and score policy per kind of item, set by its instructor over each item's own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses import policies
from courses.models import Course
from gradebook import grid
from submissions import services
from submissions.models import QuizAnswer, Submission
from tests.conftest import choice_value, enrollment_of, exercise

pytestmark = pytest.mark.django_db

CODE = "softmax-temperature"
SOURCE = "def softmax(z, temperature=1.0, dim=-1):\n    return z\n"


def _settings(client, user, course, **fields):
    client.force_login(user)
    data = {"action": "attempts", "code_attempts": "", "quiz_attempts": "", "quiz_score": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(reverse("course_settings", args=[course.slug]), data)


def _graded_after(submission):
    Submission.objects.filter(pk=submission.pk).update(status="graded", score=1, max_score=10)


def _single_choice():
    from catalog.models import Exercise

    for item in Exercise.objects.filter(active=True, kind=Exercise.QUIZ).select_related("current_version"):
        spec = item.current_version.data["quiz"]
        if spec["type"] == "single_choice" and not spec.get("generator"):
            wrong = next(o["id"] for o in spec["options"] if o["id"] != spec["answer"])
            return item, spec["answer"], wrong
    raise AssertionError("no single-choice item in the bank")


def test_the_instructor_sets_the_policy_and_the_page_keeps_it(client, carla, course):
    response = _settings(client, carla, course, code_attempts=3, quiz_attempts=4, quiz_score="last")
    assert response.status_code == 302 and response["Location"].endswith("?saved=attempts#attempts")
    course.refresh_from_db()
    assert (course.code_attempts, course.quiz_attempts, course.quiz_score) == (3, 4, "last")
    page = client.get(reverse("course_settings", args=[course.slug])).content.decode()
    assert 'id="code_attempts"' in page and 'value="3"' in page and '<option value="last" selected>' in page
    # Emptied again: each item's own.
    _settings(client, carla, course)
    course.refresh_from_db()
    assert (course.code_attempts, course.quiz_attempts, course.quiz_score) == (None, None, "")


@pytest.mark.parametrize(
    "fields",
    [
        {"code_attempts": "abc"},
        {"code_attempts": "-1"},
        {"code_attempts": str(policies.MAX_CODE_ATTEMPTS + 1)},
        {"quiz_attempts": "0"},
        {"quiz_attempts": "21"},
        {"quiz_attempts": "2.5"},
        {"quiz_score": "worst"},
    ],
)
def test_a_bad_policy_is_refused_with_a_reason_and_nothing_saved(client, carla, course, fields):
    response = _settings(client, carla, course, **fields)
    assert response.status_code == 400 and 'id="attempts-error"' in response.content.decode()
    course.refresh_from_db()
    assert (course.code_attempts, course.quiz_attempts, course.quiz_score) == (None, None, "")


def test_only_the_instructor_sets_it(client, erin, alice, dave, course):
    for user in (erin, alice, dave):
        assert _settings(client, user, course, code_attempts=1).status_code == 404
    course.refresh_from_db()
    assert course.code_attempts is None


def test_the_courses_code_limit_replaces_the_items_and_zero_lifts_it(alice, course):
    Course.objects.filter(pk=course.pk).update(code_attempts=1)
    course.refresh_from_db()
    enrollment = enrollment_of(alice, course)
    assert services.attempt_limit(exercise(CODE), course) == 1
    _graded_after(services.submit_code(enrollment, exercise(CODE), SOURCE))
    with pytest.raises(services.InvalidSubmission, match="1 tentativas|1 attempts"):
        services.submit_code(enrollment, exercise(CODE), SOURCE)
    # No limit: more than the item's own allows.
    Course.objects.filter(pk=course.pk).update(code_attempts=0)
    enrollment = enrollment_of(alice, course)
    own = services.attempt_limit(exercise(CODE))
    for _ in range(own + 1):
        _graded_after(services.submit_code(enrollment, exercise(CODE), SOURCE))
    assert Submission.objects.filter(student=alice).count() == own + 2


def test_the_code_page_states_the_courses_limit(client, alice, course):
    Course.objects.filter(pk=course.pk).update(code_attempts=7)
    client.force_login(alice)
    page = client.get(reverse("exercise", args=[course.slug, CODE])).content.decode()
    assert "0 de 7" in page


def test_questions_keep_the_last_answer_and_allow_the_courses_number(client, alice, course):
    item, key, wrong = _single_choice()
    Course.objects.filter(pk=course.pk).update(quiz_attempts=3, quiz_score="last")
    client.force_login(alice)
    url = reverse("exercise", args=[course.slug, item.slug])
    for option in (key, wrong, key, wrong):
        client.post(url, {"answer": choice_value(alice, course, item.slug, option)})
    answers = list(QuizAnswer.objects.filter(student=alice).order_by("created_at", "pk"))
    assert [a.correct for a in answers] == [True, False, True]  # the fourth was refused
    assert all(a.credit == 1.0 for a in answers)
    course.refresh_from_db()
    assert services.quiz_scores(course, alice, [item]) == {item.id: item.current_version.max_score}
    # The last answer counts: a wrong last one keeps nothing, and the gradebook agrees.
    QuizAnswer.objects.filter(pk=answers[-1].pk).update(score=0, correct=False)
    assert services.quiz_scores(course, alice, [item]) == {item.id: 0.0}
    row = next(r for r in grid.build(course).rows if r.user == alice)
    assert row.cell(item.id).score == 0.0


def test_decreasing_credit_set_by_the_course(client, alice, course):
    item, key, wrong = _single_choice()
    Course.objects.filter(pk=course.pk).update(quiz_attempts=3, quiz_score="decreasing")
    client.force_login(alice)
    url = reverse("exercise", args=[course.slug, item.slug])
    for option in (wrong, wrong, key):
        client.post(url, {"answer": choice_value(alice, course, item.slug, option)})
    answers = QuizAnswer.objects.filter(student=alice).order_by("created_at", "pk")
    credits = list(answers.values_list("credit", flat=True))
    # The item's own shares where it declares them (stretched: its last share repeats), else 1, 0.75, 0.5.
    own = services.quiz_policy(item)
    expected = [own["credit"][min(i, len(own["credit"]) - 1)] for i in range(3)] if own["credit"] else [1.0, 0.75, 0.5]
    assert credits == expected and credits[0] == 1.0 and credits[2] < 1.0
    course.refresh_from_db()
    top = item.current_version.max_score
    assert services.quiz_scores(course, alice, [item]) == {item.id: round(top * expected[2], 4)}


def test_the_merge_keeps_an_items_own_shares_and_stays_valid():
    class C:
        code_attempts = None
        quiz_attempts = 4
        quiz_score = "decreasing"

    own = {"max": 2, "score": "decreasing", "credit": [1.0, 0.5], "new_variant": True}
    assert policies.quiz_policy(own, C)["credit"] == [1.0, 0.5, 0.5, 0.5]
    best = {"max": 3, "score": "best", "credit": None, "new_variant": False}
    assert policies.quiz_policy(best, C)["credit"] == [1.0, 0.75, 0.5, 0.25]
    C.quiz_score = "best"
    assert policies.quiz_policy(own, C) == {"max": 4, "score": "best", "credit": None, "new_variant": True}
    C.quiz_attempts, C.quiz_score = None, ""
    assert policies.quiz_policy(own, C) is own
    assert policies.code_attempt_limit(10, None) == 10 and policies.code_attempt_limit(10, C) == 10
