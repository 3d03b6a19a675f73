"""Attempt limits, hints that open one by one, and the solution shown after the due date."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseLesson
from submissions import services
from submissions.models import HintReveal, Submission
from tests.conftest import EXERCISES, SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db
SLUG = "softmax-temperature"
# A line only the reference solution has (the starter returns zeros).
SOLUTION_LINE = next(line for line in SOLUTION.splitlines() if "amax" in line).strip()


def page(client, user, course, slug=SLUG):
    client.force_login(user)
    return client.get(reverse("exercise", args=[course.slug, slug])).content.decode()


def set_due(course, when):
    lesson = exercise(SLUG).lesson
    CourseLesson.objects.filter(course=course, lesson=lesson).update(due_at=when)


def graded(submission):
    """The worker's report, recorded as a worker's would be: the submission is no longer waiting."""
    services.record_result(submission.pk, {"status": "graded", "score": 0, "checks": []}, submission.token)
    submission.refresh_from_db()
    return submission


def limit_attempts(n):
    version = exercise(SLUG).current_version
    version.data["attempts"] = n
    version.save()


def test_manifests_declare_attempts_and_hints_for_every_coding_exercise():
    from grader import content

    _, items, errors = content.discover(EXERCISES, import_checks=False)
    coding = [item for item in items if item.kind == "code"]
    assert coding and not [e for e in errors if "attempts" in e.field or "hints" in e.field]
    for item in coding:
        assert item.attempts > 0, item.id
        assert len(item.hints) >= 2, item.id
        assert all(hint["pt"] and hint["en"] for hint in item.hints)


def test_the_attempt_limit_stops_the_next_submission_with_a_clear_reason(alice, course):
    limit_attempts(2)
    enrollment = enrollment_of(alice, course)
    services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    with pytest.raises(services.InvalidSubmission, match="2 tentativas"):
        services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    assert Submission.objects.filter(student=alice).count() == 2


def test_a_grader_failure_gives_the_attempt_back(alice, course):
    limit_attempts(1)
    enrollment = enrollment_of(alice, course)
    first = services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    Submission.objects.filter(pk=first.pk).update(status="sandbox_error", charged=False)
    second = services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    assert second.late is False
    with pytest.raises(services.InvalidSubmission):
        services.submit_code(enrollment, exercise(SLUG), SOLUTION)


def test_after_the_due_date_submissions_are_late_practice_outside_the_limit(alice, course):
    limit_attempts(1)
    enrollment = enrollment_of(alice, course)
    graded(services.submit_code(enrollment, exercise(SLUG), SOLUTION))
    set_due(course, timezone.now() - timedelta(minutes=1))
    late = graded(services.submit_code(enrollment, exercise(SLUG), SOLUTION))
    again = services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    assert late.late and again.late
    assert services.attempts_used(enrollment, exercise(SLUG)) == 1


def test_the_page_counts_attempts_and_disables_submit_when_none_are_left(client, alice, course):
    limit_attempts(1)
    assert "Tentativas: 0 de 1" in page(client, alice, course)
    services.submit_code(enrollment_of(alice, course), exercise(SLUG), SOLUTION)
    html = page(client, alice, course)
    assert "Tentativas: 1 de 1" in html
    assert 'id="submit-code" disabled' in html and "Você já usou todas as 1 tentativas" in html
    response = client.post(reverse("exercise", args=[course.slug, SLUG]), {"source": SOLUTION})
    assert response.status_code == 200 and "não foi enviado" in response.content.decode()
    assert Submission.objects.filter(student=alice).count() == 1


def test_hints_open_one_at_a_time_for_that_student_only(client, alice, bob, course):
    hints = exercise(SLUG).current_version.data["hints"]
    assert len(hints) == 3
    html = page(client, alice, course)
    assert "Ver dica 1 de 3" in html and hints[0]["pt"] not in html
    url = reverse("exercise_hint", args=[course.slug, SLUG])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith("#hints")
    html = page(client, alice, course)
    assert "Ver dica 2 de 3" in html
    # Hints are Markdown: `code` shows as <code>code</code>.
    assert "Divida <code>z</code> pela temperatura" in html and "estoura" not in html
    for _ in range(5):
        client.post(url)
    html = page(client, alice, course)
    assert "Todas as dicas estão abertas." in html and "Ver dica" not in html
    assert HintReveal.objects.filter(student=alice).count() == 3
    assert "Ver dica 1 de 3" in page(client, bob, course)


def test_hints_are_for_members_of_the_course_only(client, dave, course):
    client.force_login(dave)
    assert client.post(reverse("exercise_hint", args=[course.slug, SLUG])).status_code == 404
    assert not HintReveal.objects.exists()


def test_a_get_does_not_open_a_hint(client, alice, course):
    client.force_login(alice)
    assert client.get(reverse("exercise_hint", args=[course.slug, SLUG])).status_code == 405
    assert not HintReveal.objects.exists()


def test_without_a_due_date_students_never_see_the_solution(client, alice, course):
    html = page(client, alice, course)
    assert SOLUTION_LINE not in html and "Solução de referência" not in html


def test_the_solution_appears_to_students_only_after_the_due_date(client, alice, course):
    set_due(course, timezone.now() + timedelta(days=1))
    html = page(client, alice, course)
    assert SOLUTION_LINE not in html and "aparece aqui depois do prazo" in html
    set_due(course, timezone.now() - timedelta(seconds=1))
    html = page(client, alice, course)
    assert "Solução de referência" in html and SOLUTION_LINE in html
    assert "O prazo terminou" in html


def test_instructors_see_the_solution_before_the_due_date_with_a_notice(client, carla, course):
    set_due(course, timezone.now() + timedelta(days=1))
    html = page(client, carla, course)
    assert SOLUTION_LINE in html and "Você vê isto por ser professor" in html


def test_the_solution_is_stored_apart_from_the_public_data(course):
    version = exercise(SLUG).current_version
    assert version.solution == SOLUTION
    assert SOLUTION_LINE not in str(version.data)


def test_the_instructor_sees_how_many_hints_the_student_opened(client, alice, carla, course):
    submission = services.submit_code(enrollment_of(alice, course), exercise(SLUG), SOLUTION)
    services.open_next_hint(enrollment_of(alice, course), exercise(SLUG))
    url = reverse("submission", args=[submission.pk])
    client.force_login(carla)
    assert "dicas abertas: 1 de 3" in client.get(url).content.decode()
    client.force_login(alice)
    assert "dicas abertas" not in client.get(url).content.decode()


def test_an_instructor_sets_and_clears_the_due_date_from_the_lesson_page(client, carla, alice, course):
    lesson = exercise(SLUG).lesson
    url = reverse("lesson_due", args=[course.slug, lesson.slug])
    client.force_login(carla)
    page_html = client.get(reverse("lesson", args=[course.slug, lesson.slug])).content.decode()
    assert 'name="due_at"' in page_html
    response = client.post(url, {"due_at": "2026-12-01T23:59"})
    assert response.status_code == 302
    due = CourseLesson.objects.get(course=course, lesson=lesson).due_at
    # Read in the site's time zone (America/Sao_Paulo, UTC-3): 02:59 UTC the next day.
    assert due.isoformat() == "2026-12-02T02:59:00+00:00"
    assert client.post(url, {"due_at": "amanhã"})["Location"].endswith("?due_error=1&due_value=amanh%C3%A3#due")
    assert CourseLesson.objects.get(course=course, lesson=lesson).due_at == due
    client.post(url, {"clear": "1"})
    assert CourseLesson.objects.get(course=course, lesson=lesson).due_at is None


def test_students_cannot_set_the_due_date(client, alice, course):
    lesson = exercise(SLUG).lesson
    client.force_login(alice)
    page_html = client.get(reverse("lesson", args=[course.slug, lesson.slug])).content.decode()
    assert 'name="due_at"' not in page_html
    assert (
        client.post(reverse("lesson_due", args=[course.slug, lesson.slug]), {"due_at": "2020-01-01T00:00"}).status_code
        == 404
    )
    assert CourseLesson.objects.get(course=course, lesson=lesson).due_at is None


def test_a_late_practice_score_does_not_count_as_the_best_score(client, alice, course):
    from submissions.services import record_result

    enrollment = enrollment_of(alice, course)
    on_time = services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    record_result(
        on_time.pk,
        {"status": "graded", "score": 4, "content_hash": on_time.version.content_hash, "checks": []},
        on_time.token,
    )
    set_due(course, timezone.now() - timedelta(seconds=1))
    late = services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    record_result(
        late.pk, {"status": "graded", "score": 10, "content_hash": late.version.content_hash, "checks": []}, late.token
    )
    client.force_login(alice)
    lesson = client.get(reverse("lesson", args=[course.slug, exercise(SLUG).lesson.slug])).content.decode()
    assert "4 / 10" in lesson and "10 / 10" not in lesson


def test_one_student_cannot_fill_the_queues(client, alice, bob, course, settings):
    """At most one running and one queued per exercise, a few across exercises; the code stays in the editor."""
    enrollment = enrollment_of(alice, course)
    first = services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    client.force_login(alice)
    typed = SOLUTION + "\n# third try\n"
    response = client.post(reverse("exercise", args=[course.slug, SLUG]), {"source": typed})
    page = response.content.decode()
    assert response.status_code == 200 and "já estão na fila ou sendo corrigidos" in page
    assert "# third try" in page  # the code typed is kept
    assert Submission.objects.filter(student=alice).count() == 2
    # Once one is graded, the next one is taken; another student was never held back.
    graded(first)
    services.submit_code(enrollment, exercise(SLUG), SOLUTION)
    services.submit_code(enrollment_of(bob, course), exercise(SLUG), SOLUTION)
    # Across exercises: the cap counts every exercise.
    settings.SUBMISSIONS_ACTIVE_PER_STUDENT = 3
    other = exercise("backprop-by-hand")
    source = (EXERCISES / "redes-neurais/backprop-by-hand/solution.py").read_text()
    services.submit_code(enrollment, other, source)
    with pytest.raises(services.InvalidSubmission, match="você já tem 3 envios"):
        services.submit_code(enrollment, other, source)
    # A job lost long ago (older than the window) does not hold the student back forever.
    Submission.objects.filter(student=alice).update(created_at=timezone.now() - timedelta(hours=2))
    services.submit_code(enrollment, other, source)
