"""The gradebook: who did what, with the same scores the students see, sortable, filterable, exportable."""

from __future__ import annotations

import csv
import io
import random

import pytest
from django.urls import reverse

from catalog.models import Exercise
from courses.models import CourseLesson, Enrollment
from gradebook import export, grid
from review import services as review
from submissions import services
from submissions.models import QuizAnswer, Submission
from tests.conftest import enrol_students, exercise

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def code_attempt(course, student, slug="softmax-temperature", score=5.0, **extra):
    item = exercise(slug)
    fields = {
        "course": course,
        "student": student,
        "exercise": item,
        "version": item.current_version,
        "source": "def softmax(z): ...",
        "status": "graded",
        "score": score,
        "max_score": item.current_version.max_score,
    }
    fields.update(extra)
    return Submission.objects.create(**fields)


def quiz_attempt(course, student, slug="temperature-name", score=1.0, **extra):
    item = exercise(slug)
    fields = {
        "course": course,
        "student": student,
        "exercise": item,
        "version": item.current_version,
        "answer": "x",
        "score": score,
        "max_score": item.current_version.max_score,
        "correct": score >= item.current_version.max_score,
    }
    fields.update(extra)
    return QuizAnswer.objects.create(**fields)


def lesson_scores(course, user) -> dict[str, float | None]:
    """What the student's own lesson pages say, item by item."""
    scores = {}
    for cl in CourseLesson.objects.filter(course=course):
        items = list(Exercise.objects.filter(lesson=cl.lesson, active=True).select_related("current_version"))
        for row in services.lesson_rows(course, user, items):
            scores[row.exercise.slug] = row.score
    return scores


# --- permissions -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gradebook", "gradebook_csv"])
def test_the_gradebook_is_for_the_courses_staff_only(client, name, alice, carla, erin, dave, course):
    url = reverse(name, args=[course.slug])
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    for user, status in ((carla, 200), (erin, 200), (alice, 404), (dave, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    client.force_login(carla)
    assert client.post(url).status_code == 405
    assert client.get(reverse(name, args=["no-such-course"])).status_code == 404


def test_the_course_page_links_the_gradebook_for_staff_only(client, alice, carla, course):
    client.force_login(carla)
    assert 'id="gradebook-link"' in client.get(reverse("course", args=[course.slug])).content.decode()
    client.force_login(alice)
    assert 'id="gradebook-link"' not in client.get(reverse("course", args=[course.slug])).content.decode()


# --- the numbers -------------------------------------------------------------------------


def test_each_cell_is_the_score_the_student_sees_on_random_histories(django_user_model, carla, course):
    """On three seeds of random histories (attempts, late work, penalties, decreasing credit,
    overrides, confirms, reverts), every cell equals the student's own lesson page."""
    code_items = ["softmax-temperature", "backprop-by-hand"]
    quiz_items = ["temperature-name", "training-stages-order", "softmax-probability"]
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        users = []
        for i in range(6):
            user = django_user_model.objects.create_user(username=f"s{seed}-{i}")
            Enrollment.objects.create(course=course, user=user, role="student")
            users.append(user)
        for user in users:
            for slug in code_items:
                for _ in range(rng.randint(0, 3)):
                    late = rng.random() < 0.2
                    attempt = code_attempt(
                        course,
                        user,
                        slug,
                        score=rng.choice([None, 0.0, 3.5, 7.0, 10.0]),
                        late=late,
                        days_late=0 if late else rng.choice([0, 0, 1, 2]),
                        credit=1.0 if late else rng.choice([1.0, 0.9, 0.8]),
                        status=rng.choice(["graded", "error"]),
                    )
                    _staff(rng, attempt, carla)
            for slug in quiz_items:
                top = exercise(slug).current_version.max_score
                for n in range(rng.randint(0, 3)):
                    late = rng.random() < 0.2
                    answer = quiz_attempt(
                        course,
                        user,
                        slug,
                        score=rng.choice([0.0, top / 2, top]),
                        late=late,
                        attempt=n + 1,
                        credit=rng.choice([1.0, 0.75, 0.5]),
                        days_late=0 if late else rng.choice([0, 1]),
                    )
                    _staff(rng, answer, carla)
        book = grid.build(course)
        by_user = {row.user.pk: row for row in book.rows}
        for user in users:
            row = by_user[user.pk]
            seen = lesson_scores(course, user)
            for column in book.columns:
                got = row.cell(column.exercise.id).score
                want = seen[column.exercise.slug]
                assert (got is None) == (want is None), (seed, user.username, column.exercise.slug, got, want)
                if want is not None:
                    assert got == pytest.approx(want, abs=1e-4), (seed, user.username, column.exercise.slug)
            assert row.total == pytest.approx(sum(v or 0 for v in seen.values()), abs=1e-3)


def _staff(rng, item, by):
    """Sometimes a staff decision on the attempt: an override, then perhaps a confirm or a revert."""
    roll = rng.random()
    if roll < 0.25:
        review.override(item, by, rng.choice([0.0, 1.0, 2.5]), "checked by hand")
        if roll < 0.08:
            review.revert(item, by, "the grader was right")
        elif roll < 0.14:
            review.confirm(item, by)


def test_late_practice_penalty_and_staff_marks(alice, bob, carla, course):
    code_attempt(course, alice, score=10.0, days_late=2, credit=0.8)  # counted, 2 days late
    code_attempt(course, bob, score=6.0)
    code_attempt(course, bob, score=10.0, late=True)  # practice: counts nothing
    answer = quiz_attempt(course, bob, "temperature-name", score=0.0)
    review.override(answer, carla, 1.0, "the answer is right, spelled another way")
    book = grid.build(course)
    rows = {row.user.username: row for row in book.rows}
    softmax, name = exercise("softmax-temperature").id, exercise("temperature-name").id
    assert rows["alice"].cell(softmax).score == 8.0 and rows["alice"].cell(softmax).late_days == 2
    bob_cell = rows["bob"].cell(softmax)
    assert (bob_cell.score, bob_cell.practice, bob_cell.late_days, bob_cell.attempts) == (6.0, 1, 0, 1)
    assert rows["bob"].cell(name).overridden and rows["bob"].cell(name).score == 1.0
    assert not rows["alice"].overridden and rows["bob"].late and rows["alice"].late


def test_staff_are_not_rows_and_a_student_with_nothing_has_dashes(client, alice, carla, erin, course):
    client.force_login(carla)
    page = client.get(reverse("gradebook", args=[course.slug])).content.decode()
    assert 'data-student="alice"' in page
    assert 'data-student="carla"' not in page and 'data-student="erin"' not in page
    assert "gb-none" in page


# --- sort and filter ---------------------------------------------------------------------


def _order(page: str) -> list[str]:
    import re

    return re.findall(r'data-student="([^"]+)"', page)


def test_sort_by_total_item_and_name_and_filter(client, django_user_model, carla, course):
    for name, full, score in (("ana", "Ana Souza", 4.0), ("bia", "Beatriz Lima", 9.0), ("caio", "Caio Prado", None)):
        first, last = full.split()
        user = django_user_model.objects.create_user(username=name, first_name=first, last_name=last)
        Enrollment.objects.create(course=course, user=user, role="student")
        if score is not None:
            code_attempt(course, user, score=score)
    code_attempt(course, django_user_model.objects.get(username="ana"), score=2.0, late=True)
    client.force_login(carla)
    url = reverse("gradebook", args=[course.slug])
    assert _order(client.get(url).content.decode()) == ["ana", "bia", "caio"]
    assert _order(client.get(url, {"sort": "total", "order": "desc"}).content.decode()) == ["bia", "ana", "caio"]
    by_item = client.get(url, {"sort": "item:softmax-temperature", "order": "asc"}).content.decode()
    assert _order(by_item) == ["caio", "ana", "bia"]  # nothing yet sorts below a zero
    assert 'aria-sort="ascending"' in by_item
    assert _order(client.get(url, {"sort": "student", "order": "desc"}).content.decode()) == ["caio", "bia", "ana"]
    assert _order(client.get(url, {"q": "lima"}).content.decode()) == ["bia"]
    assert _order(client.get(url, {"show": "late"}).content.decode()) == ["ana"]
    assert _order(client.get(url, {"show": "missing"}).content.decode()) == ["ana", "bia", "caio"]
    one_lesson = client.get(url, {"lesson": "chatgpt"}).content.decode()
    assert 'data-item="softmax-temperature"' in one_lesson and 'data-item="backprop-by-hand"' not in one_lesson


@pytest.mark.parametrize(
    "params",
    [{"lesson": "nope"}, {"show": "everything"}, {"sort": "colour"}, {"order": "sideways"}, {"sort": "item:"}],
)
def test_a_bad_filter_is_named_and_the_whole_gradebook_shown(client, alice, carla, course, params):
    client.force_login(carla)
    response = client.get(reverse("gradebook", args=[course.slug]), params)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="filter-errors"' in page
    assert 'data-student="alice"' in page


def test_names_and_titles_render_inert(client, django_user_model, carla, course):
    user = django_user_model.objects.create_user(username="mallory", first_name=HOSTILE)
    Enrollment.objects.create(course=course, user=user, role="student")
    client.force_login(carla)
    page = client.get(reverse("gradebook", args=[course.slug]), {"q": HOSTILE[:20]}).content.decode()
    assert HOSTILE not in page and "&lt;script&gt;" in page


# --- CSV -------------------------------------------------------------------------------------


def _csv(client, course, **params) -> tuple[bytes, list[list[str]], str]:
    response = client.get(reverse("gradebook_csv", args=[course.slug]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="gradebook-nn-')
    body = response.content
    text = body.decode("utf-8-sig")
    delimiter = ";" if params.get("decimal", "comma") == "comma" else ","
    return body, list(csv.reader(io.StringIO(text), delimiter=delimiter)), text


def _column(course, slug: str) -> int:
    """The CSV column of an item: after username, name and e-mail, each lesson's items then its total."""
    index = 3
    for group in grid.build(course).lessons:
        for column in group.columns:
            if column.exercise.slug == slug:
                return index
            index += 1
        index += 1
    raise AssertionError(slug)


def test_the_csv_opens_cleanly_in_a_pt_br_spreadsheet(client, django_user_model, carla, course):
    user = django_user_model.objects.create_user(
        username="conceicao", first_name="Conceição", last_name="Ávila", email="c@example.com"
    )
    Enrollment.objects.create(course=course, user=user, role="student")
    code_attempt(course, user, score=7.5, days_late=1, credit=0.9)  # 6.75 counts
    client.force_login(carla)
    body, rows, _text = _csv(client, course)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    header, line = rows[0], rows[1]
    assert header[:3] == ["Usuário", "Nome", "E-mail"]
    assert line[:3] == ["conceicao", "Conceição Ávila", "c@example.com"]
    column = _column(course, "softmax-temperature")
    assert line[column] == "6,75"
    assert header[column].endswith("(10)")
    assert line[-3] == "6,75"  # the course total, before the late and the staff-score columns
    assert "softmax-temperature" in line[-2]  # the late items
    # With a decimal point, the separator is a comma.
    _body, rows, _text = _csv(client, course, decimal="point")
    assert rows[1][column] == "6.75"


def test_the_csv_is_safe_from_formula_injection(client, django_user_model, carla, course):
    payloads = ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "Ana"]
    for i, payload in enumerate(payloads):
        user = django_user_model.objects.create_user(username=f"u{i}", last_name=payload, email=f"=u{i}@example.com")
        Enrollment.objects.create(course=course, user=user, role="student")
    client.force_login(carla)
    _body, rows, _text = _csv(client, course)
    # Django strips the full name ("\t=1+1" is "=1+1"); what a spreadsheet would evaluate gets an apostrophe.
    assert sorted(row[1] for row in rows[1:]) == sorted(
        ['\'=HYPERLINK("http://evil","x")', "'+1+2", "'-2+3", "'@SUM(A1)", "'=1+1", "Ana"]
    )
    assert all(row[2].startswith("'=u") for row in rows[1:])
    assert all(not cell.startswith(export.FORMULA_START) for row in rows for cell in row[:3])


def test_the_csv_follows_the_filters(client, alice, bob, carla, course):
    code_attempt(course, alice, score=3.0, late=True)
    client.force_login(carla)
    _body, rows, _text = _csv(client, course, show="late")
    assert [row[0] for row in rows[1:]] == ["alice"]


def test_safe_text_and_number():
    assert export.safe_text("=1+1") == "'=1+1" and export.safe_text("Ana") == "Ana" and export.safe_text("") == ""
    assert export.number(6.75, True) == "6,75" and export.number(10.0, False) == "10"
    assert export.number(None, True) == "" and export.number(0.3333333, False) == "0.3333"


# --- bounded queries ------------------------------------------------------------------------


def test_the_gradebook_runs_a_bounded_number_of_queries_over_300_students(
    client, carla, course, django_user_model, django_assert_max_num_queries
):
    users = enrol_students(course, 300)
    code, name = exercise("softmax-temperature"), exercise("temperature-name")
    Submission.objects.bulk_create(
        [
            Submission(
                course=course,
                student=u,
                exercise=code,
                version=code.current_version,
                source="x",
                status="graded",
                score=i % 11,
                max_score=10,
            )
            for i, u in enumerate(users)
        ]
    )
    QuizAnswer.objects.bulk_create(
        [
            QuizAnswer(
                course=course,
                student=u,
                exercise=name,
                version=name.current_version,
                answer="t",
                score=1,
                max_score=1,
                correct=True,
            )
            for u in users
        ]
    )
    review.override(Submission.objects.filter(student=users[0]).get(), carla, 9.0, "by hand")
    client.force_login(carla)
    url = reverse("gradebook", args=[course.slug])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"sort": "total", "order": "desc"})
    assert response.status_code == 200 and response.content.decode().count("data-student=") == 300
    with django_assert_max_num_queries(12):
        assert client.get(reverse("gradebook_csv", args=[course.slug])).status_code == 200
