"""The Django admin works for support: every registered model's list and a change page open for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from tests.conftest import SOLUTION, exercise

pytestmark = pytest.mark.django_db

# Registered here by this project's apps; each has a row in `support_data`, so its change page is opened.
OURS = {
    "catalog": {"lesson", "exercise", "exerciseversion"},
    "courses": {"course", "courselesson", "enrollment"},
    "submissions": {"submission", "quizanswer", "hintreveal", "draft"},
    "operations": {"resend"},
}


@pytest.fixture
def support_data(course, alice, carla):
    from catalog.models import Exercise
    from operations.models import Resend
    from submissions.models import Draft, HintReveal, QuizAnswer, Submission

    item = exercise("softmax-temperature")
    question = Exercise.objects.filter(kind=Exercise.QUIZ).select_related("current_version").first()
    submission = Submission.objects.create(
        course=course,
        student=alice,
        exercise=item,
        version=item.current_version,
        source=SOLUTION,
        status="graded",
        score=10,
        max_score=10,
        report={"status": "graded", "checks": []},
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    QuizAnswer.objects.create(
        course=course,
        student=alice,
        exercise=question,
        version=question.current_version,
        answer={"choice": "a"},
        score=1,
        max_score=1,
        correct=True,
    )
    HintReveal.objects.create(course=course, student=alice, exercise=item, index=0)
    Draft.objects.create(course=course, student=alice, exercise=item, source="x = 1\n")
    Resend.objects.create(submission=submission, by=carla, previous_status="running", published=True)
    from courses.models import Extension

    Extension.objects.create(course=course, lesson=item.lesson, student=alice, due_at=timezone.now(), by=carla)


def test_every_registered_model_lists_and_opens_for_a_superuser(client, django_user_model, support_data):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "root-pass-123")
    client.force_login(root)
    registered = {(m._meta.app_label, m._meta.model_name) for m in admin.site._registry}
    for app_label, names in OURS.items():
        assert {(app_label, name) for name in names} <= registered, app_label
    # Every model of every app of this project, not only those listed: a new one must be registered too.
    from django.apps import apps

    ours = {"catalog", "courses", "submissions", "operations", "review", "similarity", "regrade", "gradebook"}
    missing = {
        (m._meta.app_label, m._meta.model_name)
        for m in apps.get_models()
        if m._meta.app_label in ours and (m._meta.app_label, m._meta.model_name) not in registered
    }
    assert not missing, missing
    opened = set()
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        if admin.site._registry[model].search_fields:
            assert client.get(changelist, {"q": "alice"}).status_code == 200, changelist
            assert client.get(changelist, {"q": "1"}).status_code == 200, changelist
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
            assert client.get(change).status_code == 200, change
            opened.add((meta.app_label, meta.model_name))
    assert {(app_label, name) for app_label, names in OURS.items() for name in names} <= opened


def test_the_admin_is_closed_to_course_staff(client, carla):
    client.force_login(carla)
    page = client.get(reverse("admin:submissions_submission_changelist"))
    assert page.status_code == 302 and "/admin/login/" in page["Location"]
