"""Enrollment.has_score_changes and has_regrade_requests: a student's pages skip the review
tables while no staff change and no regrade request of theirs exists, and every way of writing
one sets the flag, so that no decision is hidden."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Enrollment
from review import services as review_services
from review.models import RegradeRequest, ScoreChange
from tests.conftest import exercise
from tests.web.test_review import crashed, free_text

pytestmark = pytest.mark.django_db


def flags(user, course) -> tuple[bool, bool]:
    row = Enrollment.objects.get(user=user, course=course)
    return row.has_score_changes, row.has_regrade_requests


def review_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "review_" in q["sql"]]


def pages(course) -> list[str]:
    return [
        reverse("exercise", args=[course.slug, "temperature-meaning"]),
        reverse("exercise", args=[course.slug, "softmax-temperature"]),
        reverse("lesson", args=[course.slug, exercise("temperature-meaning").lesson.slug]),
        reverse("course", args=[course.slug]),
    ]


def test_a_student_nobody_reviewed_reads_no_review_table_and_then_sees_the_override(client, alice, carla, course):
    answer = free_text(course, alice)
    client.force_login(alice)
    assert flags(alice, course) == (False, False)
    for url in pages(course):
        assert review_queries(client, url) == [], url

    review_services.override(answer, carla, 1.0, "misread the rubric", "Look again at the low temperature.")
    assert flags(alice, course) == (True, False)
    page = client.get(pages(course)[0]).content.decode()
    assert "misread the rubric" in page and "Look again at the low temperature." in page
    lesson = client.get(pages(course)[2]).content.decode()
    assert "misread the rubric" in lesson
    for url in pages(course):
        assert review_queries(client, url), f"{url} no longer reads the override"


def test_a_regrade_request_sets_its_flag_and_the_page_shows_it(client, alice, course):
    answer = free_text(course, alice)
    client.force_login(alice)
    url = reverse("ask_regrade", args=[course.slug, "temperature-meaning"])
    client.post(url, {"item": answer.pk, "message": "Eu citei a temperatura baixa"})
    assert flags(alice, course) == (False, True)
    page = client.get(pages(course)[0]).content.decode()
    assert "Eu citei a temperatura baixa" in page and 'id="regrade-form"' not in page


def test_another_students_change_sets_no_flag_of_theirs(alice, bob, carla, course):
    review_services.override(free_text(course, bob), carla, 1.0, "r")
    assert flags(bob, course) == (True, False)
    assert flags(alice, course) == (False, False)


def test_rows_written_without_a_signal_set_the_flag(alice, bob, carla, course):
    answer = free_text(course, alice)
    ScoreChange.objects.bulk_create(
        [
            ScoreChange(
                course=course,
                student=alice,
                exercise=answer.exercise,
                quiz_answer=answer,
                kind="override",
                new_score=1,
                by=carla,
            )
        ]
    )
    assert flags(alice, course) == (True, False)
    RegradeRequest.objects.bulk_create(
        [RegradeRequest(course=course, student=alice, exercise=answer.exercise, quiz_answer=answer, message="m")]
    )
    assert flags(alice, course) == (True, True)
    # An update that hands rows to another student marks theirs.
    ScoreChange.objects.filter(student=alice).update(student=bob)
    RegradeRequest.objects.filter(student=alice).update(student_id=bob.pk)
    assert flags(bob, course) == (True, True)


def test_an_enrollment_made_anew_starts_with_the_flags_its_rows_call_for(alice, bob, carla, course):
    review_services.override(free_text(course, alice), carla, 1.0, "r")
    crash = crashed(course, bob)
    RegradeRequest.objects.create(
        course=course, student=bob, exercise=crash.exercise, submission=crash, message="please look"
    )
    Enrollment.objects.filter(user__in=[alice, bob], course=course).delete()
    Enrollment.objects.create(user=alice, course=course, role="student")  # save()
    Enrollment.objects.bulk_create([Enrollment(user=bob, course=course, role="student")])
    assert flags(alice, course) == (True, False)
    assert flags(bob, course) == (False, True)


def test_saving_an_enrollment_read_before_the_flag_was_set_keeps_the_flag(alice, carla, course):
    stale = Enrollment.objects.get(user=alice, course=course)
    review_services.override(free_text(course, alice), carla, 1.0, "r")
    stale.role = Enrollment.ASSISTANT
    stale.save()
    row = Enrollment.objects.get(pk=stale.pk)
    assert row.role == Enrollment.ASSISTANT and row.has_score_changes is True


def test_the_migration_sets_the_flags_of_rows_already_there(alice, bob, carla, course):
    review_services.override(free_text(course, alice), carla, 1.0, "r")
    crash = crashed(course, bob)
    RegradeRequest.objects.create(course=course, student=bob, exercise=crash.exercise, submission=crash, message="m")
    Enrollment.objects.update(has_score_changes=False, has_regrade_requests=False)
    migration = importlib.import_module("courses.migrations.0007_enrollment_review_flags")
    migration.set_flags(apps, None)
    assert flags(alice, course) == (True, False)
    assert flags(bob, course) == (False, True)
    assert flags(carla, course) == (False, False)
