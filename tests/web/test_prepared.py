"""config.prepared: a queryset's SQL built once, run again with new values, gives what the
queryset gives (the same rows, in its order, with the fields' converters applied)."""

from __future__ import annotations

import pytest

from config.prepared import Prepared
from submissions.models import QuizAnswer
from tests.conftest import exercise
from tests.web.test_review import free_text

pytestmark = pytest.mark.django_db


def by_item(course, student, item):
    return QuizAnswer.objects.filter(course=course, student=student, exercise=item)


def test_it_gives_the_querysets_rows_in_its_order_for_each_set_of_values(alice, bob, course, other_course):
    prepared = Prepared(by_item, "course", "student", "exercise")
    item = exercise("temperature-meaning")
    for n in range(3):
        free_text(course, alice, text=f"resposta {n}")
    free_text(course, bob)
    free_text(other_course, alice)
    for course_id, student_id in ((course.pk, alice.pk), (course.pk, bob.pk), (other_course.pk, alice.pk), (0, 0)):
        expected = list(by_item(course_id, student_id, item.pk))
        got = prepared(course_id, student_id, item.pk)
        assert [a.pk for a in got] == [a.pk for a in expected]
        assert [(a.answer, a.details, a.created_at, a.provisional) for a in got] == [
            (a.answer, a.details, a.created_at, a.provisional) for a in expected
        ]
    assert [a.answer for a in prepared(course.pk, alice.pk, item.pk)] == [f"resposta {n}" for n in (2, 1, 0)]


def test_it_refuses_what_it_cannot_run_as_the_queryset_would():
    with pytest.raises(ValueError, match="plain querysets"):
        Prepared(lambda a: QuizAnswer.objects.select_related("course").filter(course=a), "a")(1)
    with pytest.raises(ValueError, match="plain querysets"):
        Prepared(lambda a: QuizAnswer.objects.filter(course=a).only("pk"), "a")(1)
    with pytest.raises(ValueError, match="not passed as parameters"):
        Prepared(lambda a: QuizAnswer.objects.extra(where=[f"id > {a}"]), "a")(1)  # noqa: S610 - a test of refusal
