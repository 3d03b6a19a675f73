"""Every attempt side by side: a line diff of two submissions, only ever of one's own (an instructor: one student's)."""

import pytest
from django.urls import reverse

from submissions.compare import diff_rows
from submissions.models import Submission
from tests.conftest import SOLUTION, exercise

pytestmark = pytest.mark.django_db


def _attempt(course, student, source, slug="softmax-temperature", **fields):
    item = exercise(slug)
    return Submission.objects.create(
        course=course, student=student, exercise=item, version=item.current_version, source=source, **fields
    )


def _compare(client, course, **params):
    return client.get(reverse("compare_attempts", args=[course.slug, "softmax-temperature"]), params)


def test_a_diff_keeps_changes_and_folds_long_unchanged_runs():
    old = "\n".join(f"line {i}" for i in range(1, 21))
    new = old.replace("line 10", "line ten") + "\nline 21"
    rows = diff_rows(old, new)
    kinds = [row.kind for row in rows]
    assert kinds.count("del") == 1 and kinds.count("add") == 2
    removed = next(row for row in rows if row.kind == "del")
    assert (removed.old, removed.new, removed.text) == (10, None, "line 10")
    added = [row for row in rows if row.kind == "add"]
    assert [(row.new, row.text) for row in added] == [(10, "line ten"), (21, "line 21")]
    # Lines 1-6 fold (the start of the file, far from the change); 7-9 and 11-13 stay as context.
    folds = [row for row in rows if row.kind == "fold"]
    assert folds[0].text == "6" and rows[1].old == 7
    same = [row.old for row in rows if row.kind == "same"]
    assert same[:3] == [7, 8, 9] and 11 in same and 5 not in same


def test_a_diff_of_equal_code_has_no_change_and_a_short_file_does_not_fold():
    assert {row.kind for row in diff_rows("a\nb\n", "a\nb\n")} == {"same"}
    assert [row.kind for row in diff_rows("a\nb", "a\nc")] == ["same", "del", "add"]


def test_a_student_compares_two_of_their_attempts(client, alice, course):
    first = _attempt(course, alice, "import torch\n\ndef softmax(z):\n    return z.exp() / z.exp().sum()\n")
    second = _attempt(course, alice, SOLUTION, status="graded", score=10, max_score=10)
    client.force_login(alice)
    page = _compare(client, course, a=second.pk, b=first.pk)  # given in any order: shown older → newer
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Tentativa #{first.pk} → tentativa #{second.pk}" in body
    assert 'class="del"' in body and 'class="add"' in body and "linhas adicionadas" in body
    assert f"?load={second.pk}" in body  # load either one into the editor


def test_changes_since_the_previous_attempt_and_the_first_attempt(client, alice, course):
    first = _attempt(course, alice, "x = 1\n")
    second = _attempt(course, alice, "x = 2\n")
    client.force_login(alice)
    body = _compare(client, course, b=second.pk).content.decode()
    assert f"Tentativa #{first.pk} → tentativa #{second.pk}" in body
    alone = _compare(client, course, b=first.pk)
    assert alone.status_code == 200 and "não há uma anterior" in alone.content.decode()


def test_code_in_a_diff_is_shown_escaped(client, alice, course):
    _attempt(course, alice, "x = 1\n")
    second = _attempt(course, alice, "s = '<script>alert(1)</script>'\n")
    client.force_login(alice)
    body = _compare(client, course, b=second.pk).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_nobody_compares_another_students_attempts(client, alice, bob, course):
    secret = "SECRET = 'alice only'\n"
    mine = _attempt(course, bob, "x = 1\n")
    hers = _attempt(course, alice, secret)
    hers_too = _attempt(course, alice, secret + "y = 2\n")
    client.force_login(bob)
    for params in ({"a": mine.pk, "b": hers.pk}, {"a": hers.pk, "b": hers_too.pk}, {"b": hers_too.pk}):
        page = _compare(client, course, **params)
        assert page.status_code == 400, params
        assert "alice only" not in page.content.decode()
    # One that does not exist reads exactly the same.
    missing = _compare(client, course, a=mine.pk, b=999999)
    assert missing.status_code == 400
    assert missing.content.decode().count("Escolha duas") == 1


def test_an_instructor_compares_a_students_attempts_but_not_two_students(client, alice, bob, carla, course):
    a1 = _attempt(course, alice, "x = 1\n")
    a2 = _attempt(course, alice, "x = 2\n")
    b1 = _attempt(course, bob, "x = 3\n")
    client.force_login(carla)
    assert _compare(client, course, a=a1.pk, b=a2.pk).status_code == 200
    mixed = _compare(client, course, a=a1.pk, b=b1.pk)
    assert mixed.status_code == 400 and "mesmo(a) aluno(a)" in mixed.content.decode()


def test_an_outsider_gets_404_and_bad_ids_a_clear_400(client, alice, dave, course):
    one = _attempt(course, alice, "x = 1\n")
    client.force_login(dave)
    assert _compare(client, course, a=one.pk, b=one.pk).status_code == 404
    client.force_login(alice)
    for bad in ("abc", "-1", "1" * 40, ""):
        assert _compare(client, course, a=bad, b=one.pk).status_code == 400, bad
    chooser = _compare(client, course)
    assert chooser.status_code == 200 and 'role="alert"' not in chooser.content.decode()


def test_the_attempt_list_and_the_submission_page_link_to_load_and_compare(client, alice, course):
    first = _attempt(course, alice, "x = 1\n")
    second = _attempt(course, alice, "x = 2\n", status="sandbox_error", charged=False)
    client.force_login(alice)
    page = client.get(reverse("exercise", args=[course.slug, "softmax-temperature"])).content.decode()
    assert f"?load={first.pk}" in page and f"?b={second.pk}" in page and "Comparar duas tentativas" in page
    assert "não cobrada" in page  # the attempt the grader failed on our side
    detail = client.get(reverse("submission", args=[second.pk])).content.decode()
    assert f"?load={second.pk}" in detail and f"compare/?b={second.pk}" in detail
