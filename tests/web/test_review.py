"""The review side: the queue, one attempt's review page, overrides with an audit trail, regrade requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Enrollment
from review import queue, scores
from review.models import RegradeRequest, ScoreChange
from submissions import services
from submissions.models import QuizAnswer, Submission
from tests.conftest import enrol_students, exercise

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def crashed(course, student, source="def softmax(z):\n    raise ValueError('boom')\n", status="error", **extra):
    item = exercise("softmax-temperature")
    fields = {
        "course": course,
        "student": student,
        "exercise": item,
        "version": item.current_version,
        "source": source,
        "status": status,
        "score": 0.0,
        "max_score": 10,
        "report": {
            "status": status,
            "checks": [],
            "traceback": "Traceback: ValueError: boom",
            "stdout": "printed by the student",
            "private": {
                "seed": 98765,
                "failures": [{"check": "shapes", "call": "softmax", "args": ["z"], "kwargs": {}}],
            },
        },
    }
    fields.update(extra)
    return Submission.objects.create(**fields)


def free_text(course, student, text="A temperatura alta deixa a distribuição plana e mais aleatória.", **details):
    item = exercise("temperature-meaning")
    return QuizAnswer.objects.create(
        course=course,
        student=student,
        exercise=item,
        version=item.current_version,
        answer=text,
        score=2.0,
        max_score=item.current_version.max_score,
        correct=False,
        provisional=True,
        details={
            "provisional": True,
            "engine": "rubric-1",
            "words": 10,
            "concepts": details.get("concepts", ["high_flat"]),
            "misconceptions": details.get("misconceptions", []),
            "evidence": details.get("evidence", {"high_flat": "alta plana"}),
            "flags": details.get("flags", []),
        },
        feedback={"pt": "Para revisar: a temperatura baixa.", "en": "To revisit: low temperature."},
    )


def review_url(course, item) -> str:
    kind = "submission" if isinstance(item, Submission) else "answer"
    return reverse("review_item", args=[course.slug, kind, item.pk])


def action_url(course, item, action: str) -> str:
    kind = "submission" if isinstance(item, Submission) else "answer"
    return reverse(f"review_{action}", args=[course.slug, kind, item.pk])


def rows_for(course, user):
    lesson_exercises = [exercise("softmax-temperature"), exercise("temperature-meaning")]
    return {row.exercise.slug: row.score for row in services.lesson_rows(course, user, lesson_exercises)}


# --- permissions ---------------------------------------------------------------------


def test_every_review_url_is_for_the_courses_staff_only(client, alice, bob, carla, erin, dave, course):
    submission = crashed(course, bob)
    answer = free_text(course, bob)
    gets = [reverse("review_queue", args=[course.slug]), review_url(course, submission), review_url(course, answer)]
    posts = [
        (action_url(course, submission, "override"), {"new_score": "5", "reason": "ok"}),
        (action_url(course, answer, "confirm"), {}),
        (action_url(course, submission, "revert"), {"reason": "undo"}),
    ]
    for user in (alice, dave):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 404, (user, url)
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (user, url)
    assert not ScoreChange.objects.exists()
    client.logout()
    for url in gets + [url for url, _ in posts]:
        response = client.get(url) if url in gets else client.post(url, {})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for user in (carla, erin):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 200, (user, url)
    client.force_login(erin)  # a teaching assistant overrides and confirms, as an instructor does
    assert client.post(*posts[0]).status_code == 302
    assert client.post(*posts[1]).status_code == 302
    client.force_login(carla)
    assert client.post(*posts[2]).status_code == 302
    assert list(ScoreChange.objects.values_list("kind", "by__username")) == [
        ("override", "erin"),
        ("confirm", "erin"),
        ("revert", "carla"),
    ]


def test_an_item_of_another_course_is_404_even_for_its_own_staff(client, carla, dave, alice, course, other_course):
    submission = crashed(course, alice)
    client.force_login(dave)
    assert client.get(reverse("review_item", args=[other_course.slug, "submission", submission.pk])).status_code == 404
    client.force_login(carla)
    assert client.get(reverse("review_item", args=[course.slug, "nonsense", submission.pk])).status_code == 404


def test_a_student_asks_for_a_regrade_of_their_own_item_once(client, alice, bob, carla, dave, course):
    submission = crashed(course, alice)
    url = reverse("ask_regrade", args=[course.slug, "softmax-temperature"])
    for user in (bob, carla, dave):
        client.force_login(user)
        assert client.post(url, {"item": submission.pk, "message": "please"}).status_code == 404
    client.logout()
    assert "/accounts/login/" in client.post(url, {"item": submission.pk, "message": "x"})["Location"]
    assert not RegradeRequest.objects.exists()
    client.force_login(alice)
    response = client.post(url, {"item": submission.pk, "message": "My code <b>is</b> right"}, follow=True)
    assert "Your regrade request was sent" in response.content.decode() or "enviado" in response.content.decode()
    again = client.post(url, {"item": submission.pk, "message": "again"}, follow=True).content.decode()
    assert RegradeRequest.objects.count() == 1
    assert "already asked" in again or "já pediu" in again
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "My code &lt;b&gt;is&lt;/b&gt; right" in page and 'id="regrade-form"' not in page
    client.force_login(bob)
    bobs = crashed(course, bob)
    assert "My code" not in client.get(reverse("submission", args=[bobs.pk])).content.decode()


def test_a_regrade_request_too_long_or_empty_is_refused_and_the_text_kept(client, alice, course):
    submission = crashed(course, alice)
    url = reverse("ask_regrade", args=[course.slug, "softmax-temperature"])
    client.force_login(alice)
    page = client.post(url, {"item": submission.pk, "message": "y" * 1001}, follow=True).content.decode()
    assert not RegradeRequest.objects.exists()
    assert "y" * 1001 in page  # back in the form
    client.post(url, {"item": submission.pk, "message": "   "})
    assert not RegradeRequest.objects.exists()


# --- overrides and the audit trail -----------------------------------------------------


def test_an_override_counts_for_the_student_and_is_audited(client, alice, carla, course):
    submission = crashed(course, alice, score=7.0, status="graded")
    client.force_login(carla)
    response = client.post(
        action_url(course, submission, "override"),
        {"new_score": "9,5", "reason": "The check was too strict", "comment_for_student": "Well argued."},
    )
    assert response.status_code == 302
    change = ScoreChange.objects.get()
    assert (change.kind, change.old_score, change.new_score, change.by, change.student) == (
        "override",
        7.0,
        9.5,
        carla,
        alice,
    )
    assert change.reason == "The check was too strict" and change.at is not None
    submission.refresh_from_db()
    assert submission.score == 7.0  # the grader's verdict stays on record
    assert rows_for(course, alice)["softmax-temperature"] == 9.5
    client.force_login(alice)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "The check was too strict" in page and "Well argued." in page and "9,5" in page
    # The status line itself shows the score that counts, and the grader's beside it (page and poller).
    assert '<span id="score" class="score">9,50 / 10</span>' in page
    status = client.get(reverse("submission_status", args=[submission.pk])).json()
    assert status["score"] == 9.5 and "7" in status["score_note"]
    lesson = client.get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    assert "The check was too strict" in lesson


def test_a_revert_hands_the_score_back_to_the_grader(client, alice, carla, course):
    submission = crashed(course, alice, score=7.0, status="graded")
    client.force_login(carla)
    client.post(action_url(course, submission, "override"), {"new_score": "3", "reason": "copied"})
    assert rows_for(course, alice)["softmax-temperature"] == 3
    assert client.post(action_url(course, submission, "revert"), {"reason": "my mistake"}).status_code == 302
    assert rows_for(course, alice)["softmax-temperature"] == 7
    assert scores.visible_override(submission) is None
    assert [c.kind for c in ScoreChange.objects.all()] == ["override", "revert"]
    # Nothing left to revert: refused with a message, nothing saved.
    response = client.post(action_url(course, submission, "revert"), {"reason": "again"})
    assert response.status_code == 400 and ScoreChange.objects.count() == 2


def test_overriding_a_quiz_answer_counts_in_the_lesson_and_on_the_question_page(client, alice, carla, course):
    answer = free_text(course, alice)
    client.force_login(carla)
    client.post(action_url(course, answer, "override"), {"new_score": "1", "reason": "misread the rubric"})
    answer.refresh_from_db()
    assert answer.provisional is False and answer.score == 2.0
    assert rows_for(course, alice)["temperature-meaning"] == 1
    state = services.quiz_state(Enrollment.objects.get(user=alice, course=course), exercise("temperature-meaning"))
    assert state.score == 1
    client.force_login(alice)
    page = client.get(reverse("exercise", args=[course.slug, "temperature-meaning"])).content.decode()
    assert "misread the rubric" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new_score": "sete", "reason": "r"}, "Write a number"),
        ({"new_score": "-1", "reason": "r"}, "between 0 and 10"),
        ({"new_score": "10,5", "reason": "r"}, "between 0 and 10"),
        ({"new_score": "nan", "reason": "r"}, "Write a number"),
        ({"new_score": "5", "reason": ""}, "This field is required"),
        ({"new_score": "5", "reason": "   "}, "This field is required"),
        ({"new_score": "5", "reason": "r" * 501}, "at most 500"),
        ({"new_score": "5", "reason": "r", "comment_for_student": "c" * 2001}, "at most 2000"),
    ],
)
def test_a_bad_override_is_refused_with_the_input_kept(client, settings, alice, carla, course, data, message):
    settings.LANGUAGE_CODE = "en"
    submission = crashed(course, alice)
    client.force_login(carla)
    response = client.post(action_url(course, submission, "override"), data, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page, page[page.find('id="override-form"') :][:3000]
    assert f'value="{data["new_score"]}"' in page
    assert not ScoreChange.objects.exists()


def test_confirming_a_provisional_answer_keeps_its_score_and_leaves_the_queue(client, alice, carla, course):
    answer = free_text(course, alice)
    assert [e.key for e in queue.entries(course)] == [("answer", answer.pk)]
    client.force_login(carla)
    assert client.post(action_url(course, answer, "confirm")).status_code == 302
    answer.refresh_from_db()
    change = ScoreChange.objects.get()
    assert answer.provisional is False and (change.kind, change.old_score, change.new_score) == ("confirm", 2, 2)
    assert queue.entries(course) == []
    assert rows_for(course, alice)["temperature-meaning"] == 2


def test_keeping_the_score_answers_a_regrade_request_with_a_reply(client, alice, carla, course):
    submission = crashed(course, alice, score=4.0, status="graded")
    client.force_login(alice)
    client.post(
        reverse("ask_regrade", args=[course.slug, "softmax-temperature"]), {"item": submission.pk, "message": "?"}
    )
    assert [e.reasons for e in queue.entries(course)] == [{"regrade"}]
    client.force_login(carla)
    refused = client.post(action_url(course, submission, "confirm"), {"reply": ""})
    assert refused.status_code == 400 and RegradeRequest.objects.get().state == "open"
    client.post(action_url(course, submission, "confirm"), {"reply": "The check is right: see the shapes."})
    request = RegradeRequest.objects.get()
    assert (request.state, request.answered_by, request.reply) == (
        "answered",
        carla,
        "The check is right: see the shapes.",
    )
    assert queue.entries(course) == []
    client.force_login(alice)
    assert "The check is right" in client.get(reverse("submission", args=[submission.pk])).content.decode()


def test_student_text_code_and_reasons_render_inert_on_every_staff_page(client, alice, carla, course):
    submission = crashed(course, alice, source=f"# {HOSTILE}\nx = 1\n")
    previous = crashed(course, alice, source="x = 0\n")
    Submission.objects.filter(pk=previous.pk).update(created_at=submission.created_at.replace(year=2020))
    answer = free_text(course, alice, text=f"{HOSTILE} temperatura alta", evidence={"high_flat": HOSTILE})
    RegradeRequest.objects.create(
        course=course, student=alice, exercise=answer.exercise, quiz_answer=answer, message=HOSTILE
    )
    client.force_login(carla)
    client.post(
        action_url(course, submission, "override"),
        {"new_score": "1", "reason": HOSTILE, "comment_for_student": HOSTILE},
    )
    for url in (
        reverse("review_queue", args=[course.slug]),
        review_url(course, submission),
        review_url(course, answer),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
    page = client.get(review_url(course, submission)).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    client.force_login(alice)
    for url in (reverse("submission", args=[submission.pk]), reverse("lesson", args=[course.slug, "chatgpt"])):
        assert "<script>alert" not in client.get(url).content.decode()


def test_the_review_page_shows_the_private_report_line_numbers_the_rubric_and_the_diff(client, alice, carla, course):
    first = crashed(course, alice, source="x = 0\n")
    second = crashed(course, alice, source="x = 0\ny = 2\n")
    Submission.objects.filter(pk=first.pk).update(created_at=second.created_at.replace(year=2020))
    client.force_login(carla)
    page = client.get(review_url(course, second)).content.decode()
    assert "98765" in page and "printed by the student" in page and "ValueError: boom" in page
    assert '<td class="ln">2</td><td><code>y = 2</code></td>' in page
    assert 'class="add"' in page  # the diff to the previous attempt
    answer = free_text(
        course,
        alice,
        concepts=["high_flat"],
        misconceptions=["low_random"],
        evidence={"high_flat": "alta plana", "low_random": "baixa aleatória"},
    )
    page = client.get(review_url(course, answer)).content.decode()
    assert "alta plana" in page and "low_random" in page and 'id="low-confidence"' in page


# --- the queue -------------------------------------------------------------------------


def test_the_queue_lists_what_needs_a_human_and_nothing_else(alice, bob, carla, course):
    provisional = free_text(course, alice)
    low = free_text(course, bob, flags=["bare_terms"])
    crash = crashed(course, bob, status="timeout")
    settled = crashed(course, alice)  # followed by a newer attempt: settled by it
    crashed(course, alice, status="graded", score=10)
    staff_try = crashed(course, carla)  # a staff member's own try is no student's work
    free_text(course, alice, text="late practice answer here").__class__.objects.filter(
        answer="late practice answer here"
    ).update(late=True)
    found = {e.key: e.reasons for e in queue.entries(course)}
    assert found == {
        ("answer", provisional.pk): {"provisional"},
        ("answer", low.pk): {"provisional", "low_confidence"},
        ("submission", crash.pk): {"crashed"},
    }
    assert ("submission", settled.pk) not in found and ("submission", staff_try.pk) not in found


def test_the_queue_filters_by_lesson_item_student_and_reason(client, alice, bob, carla, course):
    a = free_text(course, alice)
    b = crashed(course, bob)
    client.force_login(carla)
    url = reverse("review_queue", args=[course.slug])

    def listed(**params):
        page = client.get(url, params).content.decode()
        return {
            key
            for key in (("answer", a.pk), ("submission", b.pk))
            if f'data-kind="{key[0]}" data-pk="{key[1]}"' in page
        }

    assert listed() == {("answer", a.pk), ("submission", b.pk)}
    assert listed(student="alice") == {("answer", a.pk)}
    assert listed(item="softmax-temperature") == {("submission", b.pk)}
    assert listed(reason="crashed") == {("submission", b.pk)}
    assert listed(reason="low_confidence") == set()
    assert listed(lesson="redes-neurais") == set()
    assert listed(lesson="chatgpt") == {("answer", a.pk), ("submission", b.pk)}
    for bad in ({"lesson": "nope"}, {"item": "<b>x</b>"}, {"student": "carla"}, {"reason": "whatever"}, {"page": "x"}):
        response = client.get(url, bad)
        assert response.status_code in (200, 400), bad
        if "page" not in bad:
            assert response.status_code == 400 and 'id="filter-errors"' in response.content.decode()
            assert "<b>x</b>" not in response.content.decode()


def test_the_queue_page_runs_a_bounded_number_of_queries_over_300_students(
    client, carla, course, django_user_model, django_assert_max_num_queries
):
    users = enrol_students(course, 300)
    code, text = exercise("softmax-temperature"), exercise("temperature-meaning")
    Submission.objects.bulk_create(
        [
            Submission(
                course=course,
                student=u,
                exercise=code,
                version=code.current_version,
                source="x",
                status="error",
                score=0,
                max_score=10,
            )
            for u in users
        ]
    )
    QuizAnswer.objects.bulk_create(
        [
            QuizAnswer(
                course=course,
                student=u,
                exercise=text,
                version=text.current_version,
                answer="t",
                score=1,
                max_score=4,
                correct=False,
                provisional=True,
                details={"flags": ["repetition"]},
            )
            for u in users
        ]
    )
    client.force_login(carla)
    url = reverse("review_queue", args=[course.slug])
    with django_assert_max_num_queries(14):
        response = client.get(url, {"page": "3"})
    assert response.status_code == 200 and "600" in response.content.decode()
    assert response.content.decode().count('class="queue-row"') == 25
    with django_assert_max_num_queries(16):
        assert client.get(url, {"reason": "low_confidence", "lesson": "chatgpt", "page": "2"}).status_code == 200
