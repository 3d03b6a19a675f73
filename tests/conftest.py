"""Shared fixtures: the personas, the demo content, and the real services.

Personas: alice and bob are students of the course, carla is its instructor,
erin its teaching assistant, and dave teaches another course.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings

from grader.queues import worker_queues
from tests import services

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SOLUTION = (EXERCISES / "chatgpt/softmax-temperature/solution.py").read_text()
# Forgets the max-shift and the temperature check: right on small logits only.
NAIVE_SOFTMAX = """
import torch

def softmax(z, temperature=1.0, dim=-1):
    e = torch.exp(z / temperature)
    return e / e.sum(dim=dim, keepdim=True)
"""


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a test that activates English (directly, or by
    rendering through a request in English) leaves it active in the thread for the next one."""
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """What pages keep between requests (courses.course_index, catalog.lesson_index, the copies
    of sessions and users in Redis) starts empty in each test: a rolled-back test can leave rows
    whose ids the next test's rows reuse."""
    from django.apps import apps

    if apps.ready:
        from catalog import lesson_index
        from config import session_cache
        from courses import course_index

        course_index.forget()
        lesson_index.forget()
        session_cache.forget()
    yield


@pytest.fixture(scope="session")
def sandbox_ready():
    from grader import sandbox

    ok, reason = sandbox.check_available()
    if not ok:
        pytest.fail(f"these tests need the bubblewrap sandbox: {reason}", pytrace=False)


@pytest.fixture
def catalog(db):
    from catalog.sync import sync_exercises

    sync_exercises(EXERCISES)


def _user(django_user_model, username: str):
    return django_user_model.objects.create_user(username=username, password=f"{username}-pass-123")


@pytest.fixture
def course(catalog):
    from catalog.models import Lesson
    from courses.models import Course, CourseLesson

    course = Course.objects.create(slug="nn", title={"pt": "Redes neurais", "en": "Neural networks"})
    for index, lesson in enumerate(Lesson.objects.all()):
        CourseLesson.objects.create(course=course, lesson=lesson, order=index)
    return course


@pytest.fixture
def other_course(catalog):
    from courses.models import Course

    return Course.objects.create(slug="other", title={"pt": "Outro", "en": "Other"})


def _enroll(course, user, role):
    from courses.models import Enrollment

    return Enrollment.objects.create(course=course, user=user, role=role)


@pytest.fixture
def alice(django_user_model, course):
    user = _user(django_user_model, "alice")
    _enroll(course, user, "student")
    return user


@pytest.fixture
def bob(django_user_model, course):
    user = _user(django_user_model, "bob")
    _enroll(course, user, "student")
    return user


@pytest.fixture
def carla(django_user_model, course):
    user = _user(django_user_model, "carla")
    _enroll(course, user, "instructor")
    return user


@pytest.fixture
def erin(django_user_model, course):
    user = _user(django_user_model, "erin")
    _enroll(course, user, "assistant")
    return user


@pytest.fixture
def dave(django_user_model, other_course):
    user = _user(django_user_model, "dave")
    _enroll(other_course, user, "instructor")
    return user


def enrol_students(course, count: int, prefix: str = "s") -> list:
    """`count` students enrolled in `course` at once: the big class of the bounded-query tests."""
    from django.contrib.auth import get_user_model

    from courses.models import Enrollment

    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"{prefix}{i:03d}") for i in range(count)])
    Enrollment.objects.bulk_create([Enrollment(course=course, user=u, role="student") for u in users])
    return users


def enrollment_of(user, course):
    from courses.models import Enrollment

    return Enrollment.objects.get(user=user, course=course)


def exercise(slug: str):
    from catalog.models import Exercise

    return Exercise.objects.select_related("current_version").get(slug=slug)


def choice_value(user, course, slug: str, option: str) -> str:
    """What this student's page posts for a choice option (a per-student token, not the option's id)."""
    from grader.quiz.base import opaque_value
    from submissions.services import quiz_state

    return opaque_value(quiz_state(enrollment_of(user, course), exercise(slug)).seed, option)


# --- real services ------------------------------------------------------------------


# As production lists them (a cpu worker with no GPU worker beside it): on-time work first,
# practice (`-low`) after, staff regrades last.
GRADING_QUEUES = ",".join(worker_queues("cpu", {}))


# Each control command waits for the worker's answer (a busy worker on a loaded machine can take
# over a second), and a ping separates the cancels from the adds: a queue cancelled and re-added
# within one read of the worker's event loop can end up with no consumer at all (kombu defers the
# cancel to the end of the read, where it also drops the new consumer's callback), and its
# messages are then requeued for ever ("Requeuing undeliverable message ... No consumers").
CONTROL_TIMEOUT = 10


def _control(app, command: str, queue: str, node: str) -> None:
    getattr(app.control, command)(queue, destination=[node], reply=True, timeout=CONTROL_TIMEOUT)


def _settle(app, node: str) -> None:
    if not app.control.ping(destination=[node], timeout=CONTROL_TIMEOUT):
        raise RuntimeError(f"{node} did not answer a ping")


def pause_grader(app, queues: str = GRADING_QUEUES, node: str = "grader@test") -> None:
    """The test grading worker stops taking tasks from `queues` (they wait in Redis)."""
    for queue in queues.split(","):
        _control(app, "cancel_consumer", queue, node)
    _settle(app, node)


def resume_grader(app, node: str = "grader@test") -> None:
    """Back on every queue, in production's order (a re-added queue goes last, and workers read
    their queues in order): everything is cancelled first, then added in order."""
    pause_grader(app, node=node)
    for queue in GRADING_QUEUES.split(","):
        _control(app, "add_consumer", queue, node)
    _settle(app, node)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = services.RedisServer(port=services.free_port(), workdir=tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def grading_stack(django_db_setup, django_db_blocker, redis_server, sandbox_ready, tmp_path_factory):
    """A grading worker (no database settings) and the results consumer (test database)."""
    from django.db import connection

    from config.celery import app

    services.use_broker(app, redis_server.url)
    previous_redis_url = settings.REDIS_URL
    settings.REDIS_URL = redis_server.url  # where the site reads live progress
    logs = tmp_path_factory.mktemp("workers")
    worker_env = services.python_env(
        {"REDIS_URL": redis_server.url},
        drop=("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"),
    )
    results_env = services.python_env(
        {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": services.database_url(connection.settings_dict),
            "VAR_DIR": str(settings.VAR_DIR),
        }
    )
    grader = services.start_worker("grader.worker", GRADING_QUEUES, "grader@test", worker_env, logs / "grader.log")
    results = services.start_worker("config", "results", "results@test", results_env, logs / "results.log")
    try:
        services.wait_for_workers(app, ["grader@test", "results@test"])
        yield {"grader": grader, "results": results, "app": app, "redis": redis_server, "logs": logs}
    finally:
        grader.stop()
        results.stop()
        settings.REDIS_URL = previous_redis_url


@pytest.fixture
def broker(redis_server):
    """The site's Celery app publishing to the tests' own Redis (where the tests' workers listen)."""
    from config.celery import app

    previous = services.use_broker(app, redis_server.url)
    yield app
    services.use_broker(app, previous)


def wait_until_final(submission_id: int, timeout: float = 90):
    from submissions.models import Submission

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission = Submission.objects.get(pk=submission_id)
        if submission.is_final:
            return submission
        time.sleep(0.2)
    raise TimeoutError(f"submission {submission_id} still {submission.status} after {timeout}s")
