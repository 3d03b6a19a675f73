"""The course dashboard and the lesson page: score so far, done and to do, due dates, attempts left."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Exercise
from courses.models import CourseLesson
from submissions import services
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db


def _page(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args)).content.decode()


def _lesson_of(slug):
    return exercise(slug).lesson


def test_the_dashboard_shows_each_students_own_progress_per_lesson(client, alice, bob, course):
    lesson = _lesson_of("softmax-temperature")
    items = Exercise.objects.filter(lesson=lesson, active=True).count()
    submission = services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)
    services.record_result(submission.pk, {"status": "graded", "score": 10, "checks": []}, submission.token)
    numeric = exercise("softmax-probability")
    key = services.quiz_state(enrollment_of(alice, course), numeric).params["answer"]
    services.answer_quiz(enrollment_of(alice, course), numeric, str(key))
    page = _page(client, alice, "course", course.slug)
    total = sum(e.current_version.max_score for e in Exercise.objects.filter(lesson=lesson, active=True))
    assert f"Nota até agora: 11 / {total:g}" in page and f"2 de {items} feitos" in page
    assert "Sem prazo" in page and 'id="score-policy"' in page
    other = _page(client, bob, "course", course.slug)
    assert f"Nota até agora: 0 / {total:g}" in other and f"0 de {items} feitos" in other


def test_a_lesson_past_its_due_date_says_it_is_closed_and_what_was_missed(client, alice, course):
    lesson = _lesson_of("softmax-temperature")
    items = Exercise.objects.filter(lesson=lesson, active=True).count()
    CourseLesson.objects.filter(course=course, lesson=lesson).update(due_at=timezone.now() - timedelta(days=1))
    page = _page(client, alice, "course", course.slug)
    assert "Encerrada em" in page and f"{items} itens perdidos" in page
    lesson_page = _page(client, alice, "lesson", course.slug, lesson.slug)
    assert "O prazo passou: o que vier agora é prática" in lesson_page


def test_the_lesson_page_shows_attempts_left_on_coding_exercises(client, alice, course):
    item = exercise("softmax-temperature")
    limit = services.attempt_limit(item)
    services.submit_code(enrollment_of(alice, course), item, SOLUTION)
    page = _page(client, alice, "lesson", course.slug, item.lesson.slug)
    row = page.split(f'href="/c/{course.slug}/e/{item.slug}/"')[1].split("</tr>")[0]
    assert f"<td>{limit - 1}</td>" in row
    assert "Tentativas restantes" in page and 'role="region"' in page


def test_each_item_links_to_the_one_before_and_after_it_in_the_lessons_order(client, alice, course):
    lesson = _lesson_of("softmax-temperature")
    items = list(Exercise.objects.filter(lesson=lesson, active=True))
    first, second, third, last = items[0], items[1], items[2], items[-1]
    page = _page(client, alice, "exercise", course.slug, second.slug)
    assert f'rel="prev" href="/c/{course.slug}/e/{first.slug}/"' in page
    assert f'rel="next" href="/c/{course.slug}/e/{third.slug}/"' in page and f"Item 2 de {len(items)}" in page
    end = _page(client, alice, "exercise", course.slug, last.slug)
    assert 'rel="next"' not in end and "Voltar à aula" in end
    assert 'rel="prev"' not in _page(client, alice, "exercise", course.slug, first.slug)
