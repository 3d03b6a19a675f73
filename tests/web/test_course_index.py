"""What item pages keep of a course between requests (courses.course_index): the exercise with
its version, the course's row for its lesson and the students' extensions. A warm page reads
none of them; each must change on the next page once an instructor, a sync or another process
changes it, and a change rolled back must leave nothing behind."""

from datetime import timedelta

import pytest
from django.db import connection, models, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Exercise, ExerciseVersion
from courses import course_index
from courses.access import get_exercise_in_course
from courses.models import Course, CourseLesson, Extension

pytestmark = pytest.mark.django_db

CODE = "softmax-temperature"
KEPT_TABLES = ("catalog_exercise", "catalog_exerciseversion", "courses_courselesson", "courses_extension")


def _get(client, course, slug):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("exercise", args=[course.slug, slug]))
    return response, [q["sql"] for q in queries.captured_queries]


def _due_on_page(client, course, slug=CODE):
    response, _ = _get(client, course, slug)
    assert response.status_code == 200
    return response.context["deadline"].due


def _row(course, slug=CODE) -> CourseLesson:
    return CourseLesson.objects.get(course=course, lesson=Exercise.objects.get(slug=slug).lesson)


def _quiz_of(lesson):
    return next(e for e in lesson.exercises.filter(active=True).order_by("order") if e.kind == Exercise.QUIZ)


def test_a_warm_item_page_reads_none_of_what_is_kept(client, course, alice):
    quiz = _quiz_of(_row(course).lesson)
    client.force_login(alice)
    for slug in (CODE, quiz.slug):
        course_index.forget()
        _, cold = _get(client, course, slug)
        response, warm = _get(client, course, slug)
        assert response.status_code == 200
        assert any(table in sql for sql in cold for table in KEPT_TABLES), slug
        assert not [sql for sql in warm if any(f'"{table}"' in sql.split("WHERE")[0] for table in KEPT_TABLES)], slug
        assert len(warm) <= len(cold) - 2, (slug, len(cold), len(warm))


def test_dates_an_instructor_saves_show_on_the_students_next_page(client, course, alice, carla):
    client.force_login(alice)
    assert _due_on_page(client, course) is None
    client.force_login(carla)
    lesson = _row(course).lesson.slug
    data = {"action": "lesson", "lesson": lesson, "opens_at": "", "due_at": "2030-03-10T23:59"}
    data.update(late_policy="penalty", penalty_percent="10", penalty_max_days="")
    assert client.post(reverse("course_settings", args=[course.slug]), data).status_code == 302
    client.force_login(alice)
    due = _due_on_page(client, course)
    assert due is not None and timezone.localtime(due).strftime("%Y-%m-%d %H:%M") == "2030-03-10 23:59"


def test_an_extension_shows_at_once_for_its_student_only_and_goes_when_revoked(client, course, alice, bob, erin):
    row = _row(course)
    due = timezone.now() + timedelta(days=1)
    row.due_at = due
    row.save()
    for student in (alice, bob):
        client.force_login(student)
        assert _due_on_page(client, course) == due  # both pages warm now
    client.force_login(erin)
    url = reverse("lesson_extensions", args=[course.slug, row.lesson.slug])
    later = timezone.localtime(due + timedelta(days=3)).replace(second=0, microsecond=0)
    assert client.post(url, {"student": alice.pk, "due_at": later.strftime("%Y-%m-%dT%H:%M")}).status_code == 302
    client.force_login(alice)
    assert _due_on_page(client, course) == later
    client.force_login(bob)
    assert _due_on_page(client, course) == due
    client.force_login(erin)
    client.post(url, {"action": "revoke", "extension": Extension.objects.get().pk})
    client.force_login(alice)
    assert _due_on_page(client, course) == due


def test_another_processs_change_shows_once_the_course_revision_moves(client, course, alice):
    """What another process leaves in the database: the row changed and, by its signal, the
    course's revision. This process never saw the save, so nothing was forgotten here."""
    client.force_login(alice)
    assert _due_on_page(client, course) is None
    due = timezone.now() + timedelta(days=2)
    # The bare update: no signal, and not CourseRowsQuerySet.update's own notice either.
    models.QuerySet.update(CourseLesson.objects.filter(pk=_row(course).pk), due_at=due)
    assert _due_on_page(client, course) is None  # kept: the revision did not move
    models.QuerySet.update(Course.objects.filter(pk=course.pk), revision=F("revision") + 7)  # forgets nothing here
    assert _due_on_page(client, course) == due


def _title_on_page(client, course) -> str:
    response, _ = _get(client, course, CODE)
    assert response.status_code == 200
    return response.context["course"].title["pt"]


def test_the_course_row_is_kept_until_its_revision_moves(client, course, alice):
    client.force_login(alice)
    _title_on_page(client, course)
    _, warm = _get(client, course, CODE)
    assert not [sql for sql in warm if '"courses_course"' in sql.split("FROM")[1].split("INNER JOIN")[0]]
    # Another process's change as it reaches this one: the row and its new revision, no signal here.
    models.QuerySet.update(Course.objects.filter(pk=course.pk), title={"pt": "Outro título", "en": "Other"})
    assert _title_on_page(client, course) == "Redes neurais"  # kept: the revision did not move
    models.QuerySet.update(Course.objects.filter(pk=course.pk), revision=F("revision") + 1)
    assert _title_on_page(client, course) == "Outro título"


@pytest.mark.parametrize("how", ["save", "save_fields", "update"])
def test_every_write_of_a_course_row_moves_its_revision(client, monkeypatch, course, alice, how):
    client.force_login(alice)
    _title_on_page(client, course)
    course.refresh_from_db()  # the row as it is now, its revision included
    before = course.revision
    title = {"pt": "Prazo", "en": "Deadline"}
    with monkeypatch.context() as patched:
        # As in a process that did not make the write: nothing forgotten, the revision alone tells.
        patched.setattr(course_index, "forget", lambda: None)
        if how == "update":
            Course.objects.filter(pk=course.pk).update(title=title)
        elif how == "save_fields":
            course.title = title
            course.save(update_fields=["title"])
        else:
            course.title = title
            course.save()
    assert Course.objects.get(pk=course.pk).revision != before
    assert _title_on_page(client, course) == "Prazo"


def test_a_rolled_back_change_leaves_nothing_behind(client, course, alice):
    """Rows read inside a transaction that rolls back are kept under its revision; that number
    must never come back, or another process's next change would serve them."""
    client.force_login(alice)
    assert _due_on_page(client, course) is None
    with pytest.raises(RuntimeError), transaction.atomic():
        row = _row(course)
        row.due_at = timezone.now() + timedelta(days=5)
        row.save()  # a new revision, inside the transaction
        inside = Course.objects.get(pk=course.pk)
        assert get_exercise_in_course(inside, CODE, alice).course_lesson.due_at == row.due_at  # kept
        raise RuntimeError("rolled back")
    assert _due_on_page(client, course) is None
    assert _row(course).due_at is None
    row = _row(course)
    row.due_at = timezone.now() + timedelta(days=1)
    row.save()
    assert Course.objects.get(pk=course.pk).revision != inside.revision


def test_a_new_version_or_a_retired_exercise_shows_on_the_next_page(client, course, alice):
    quiz = _quiz_of(_row(course).lesson)
    client.force_login(alice)
    assert _get(client, course, quiz.slug)[0].status_code == 200
    data = dict(quiz.current_version.data)
    data["prompt"] = {"pt": "Um enunciado novo, de outra versão.", "en": "A new prompt, from another version."}
    version = ExerciseVersion.objects.create(exercise=quiz, content_hash="f" * 64, data=data)
    quiz.current_version = version
    quiz.save()  # what a sync saves
    response, _ = _get(client, course, quiz.slug)
    assert "Um enunciado novo, de outra versão." in response.content.decode()
    quiz.active = False
    quiz.save(update_fields=["active"])
    assert _get(client, course, quiz.slug)[0].status_code == 404


def test_an_exercise_outside_the_course_or_mistyped_is_a_404_and_not_kept(client, course, alice):
    row = _row(course)
    client.force_login(alice)
    assert _get(client, course, CODE)[0].status_code == 200
    assert _get(client, course, "no-such-item")[0].status_code == 404
    row.delete()  # the lesson leaves the course
    assert _get(client, course, CODE)[0].status_code == 404
    kept = course_index._courses[course.pk]
    assert "no-such-item" not in kept.exercises and CODE not in kept.exercises


def test_what_a_view_changes_on_its_copy_stays_in_that_request(course, alice):
    first = get_exercise_in_course(course, CODE, alice)
    first.course_lesson.due_at = timezone.now()
    first.marked = True
    second = get_exercise_in_course(course, CODE, alice)
    assert second.course_lesson.due_at is None and not hasattr(second, "marked")
    assert second.current_version is first.current_version  # shared, read only


def test_writes_that_send_no_signal_still_show_on_the_next_page(client, course, alice, bob, carla):
    """update(), bulk_update() and bulk_create() skip save()'s signals; CourseRowsQuerySet gives
    the course a new revision for each of them."""
    row = _row(course)
    client.force_login(alice)
    assert _due_on_page(client, course) is None
    due = timezone.now() + timedelta(days=1)
    CourseLesson.objects.filter(pk=row.pk).update(due_at=due)
    assert _due_on_page(client, course) == due
    row.due_at = due + timedelta(hours=1)
    CourseLesson.objects.bulk_update([row], ["due_at"])
    assert _due_on_page(client, course) == row.due_at
    later = due + timedelta(days=4)
    Extension.objects.bulk_create([Extension(course=course, lesson=row.lesson, student=alice, due_at=later, by=carla)])
    assert _due_on_page(client, course) == later
    client.force_login(bob)
    assert _due_on_page(client, course) == row.due_at
