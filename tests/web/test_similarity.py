"""Similarity pages: staff only, the request only enqueues, code is shown escaped with its matches."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from similarity import services
from similarity.models import Pair, Run
from submissions.models import Submission
from tests.conftest import SOLUTION, exercise

pytestmark = pytest.mark.django_db

SLUG = "softmax-temperature"


def submission(course, student, source=SOLUTION):
    item = exercise(SLUG)
    return Submission.objects.create(
        course=course, student=student, exercise=item, version=item.current_version, source=source, status="graded"
    )


def finished_run(course, a, b, score=0.873):
    run = Run.objects.create(course=course, exercise=exercise(SLUG), status=Run.Status.DONE, compared=2)
    return Pair.objects.create(
        run=run,
        rank=1,
        submission_a=a,
        submission_b=b,
        score=score,
        regions_a=[[2, 0, 3, 5]],
        regions_b=[[1, 0, 1, 11]],
    )


@pytest.fixture
def pair(course, alice, bob):
    return finished_run(course, submission(course, alice), submission(course, bob))


def urls(course, pair):
    return [
        ("get", reverse("similarity", args=[course.slug])),
        ("post", reverse("similarity_recompute", args=[course.slug, SLUG])),
        ("get", reverse("similarity_pair", args=[course.slug, pair.pk])),
        ("get", reverse("similarity_status", args=[course.slug])),
    ]


@pytest.mark.parametrize("who", ["carla", "erin"])
def test_the_courses_instructor_and_teaching_assistant_reach_every_page(
    client, request, who, pair, course, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(who))
    with django_capture_on_commit_callbacks(execute=False):
        for method, url in urls(course, pair):
            response = getattr(client, method)(url)
            assert response.status_code == (302 if method == "post" else 200), url


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_a_student_and_another_courses_instructor_get_404_everywhere(client, request, who, pair, course):
    client.force_login(request.getfixturevalue(who))
    for method, url in urls(course, pair):
        assert getattr(client, method)(url).status_code == 404, url
    assert not Run.objects.exclude(pk=pair.run_id).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, pair, course):
    for method, url in urls(course, pair):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    assert not Run.objects.exclude(pk=pair.run_id).exists()


def test_a_pair_of_another_course_is_404_even_to_its_staff(client, carla, dave, course, other_course):
    other_student = submission(other_course, dave)
    foreign = finished_run(other_course, other_student, other_student)
    client.force_login(carla)
    assert client.get(reverse("similarity_pair", args=[course.slug, foreign.pk])).status_code == 404


def test_the_course_page_links_staff_to_it_and_not_students(client, carla, alice, course):
    url = reverse("similarity", args=[course.slug])
    client.force_login(carla)
    assert url in client.get(reverse("course", args=[course.slug])).content.decode()
    client.force_login(alice)
    assert url not in client.get(reverse("course", args=[course.slug])).content.decode()


def test_recompute_only_queues_a_run_and_publishes_it_after_commit(
    client, carla, alice, bob, course, django_capture_on_commit_callbacks
):
    submission(course, alice)
    submission(course, bob)
    client.force_login(carla)
    with (
        mock.patch.object(services, "compute_run", autospec=True) as compute,
        mock.patch("config.celery.app.send_task", autospec=True) as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(reverse("similarity_recompute", args=[course.slug, SLUG]))
    assert response.status_code == 302
    run = Run.objects.get()
    assert (run.status, run.requested_by, run.pairs.count()) == ("queued", carla, 0)
    assert len(callbacks) == 1
    send.assert_called_once_with(services.TASK, args=[run.pk], queue="similarity", retry=True)
    compute.assert_not_called()
    page = client.get(reverse("similarity", args=[course.slug])).content.decode()
    assert "disabled" in page


def test_a_second_recompute_while_one_waits_is_refused(client, carla, erin, course, django_capture_on_commit_callbacks):
    url = reverse("similarity_recompute", args=[course.slug, SLUG])
    with django_capture_on_commit_callbacks(execute=False):
        client.force_login(carla)
        client.post(url)
        client.force_login(erin)
        response = client.post(url, follow=True)
    assert Run.objects.count() == 1
    assert "already waiting or running" in response.content.decode() or "aguardando" in response.content.decode()


def test_a_run_left_running_for_hours_no_longer_blocks(carla, course, django_capture_on_commit_callbacks):
    stuck = Run.objects.create(course=course, exercise=exercise(SLUG), status=Run.Status.RUNNING)
    Run.objects.filter(pk=stuck.pk).update(created_at=stuck.created_at - services.STALE_AFTER * 2)
    with django_capture_on_commit_callbacks(execute=False):
        assert services.request_run(course, exercise(SLUG), carla) is not None
    stuck.refresh_from_db()
    assert stuck.status == "failed" and stuck.error


def test_an_unreachable_broker_fails_the_run_so_it_can_be_requested_again(
    carla, course, django_capture_on_commit_callbacks
):
    with (
        mock.patch("config.celery.app.send_task", side_effect=OperationalError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = services.request_run(course, exercise(SLUG), carla)
    run.refresh_from_db()
    assert run.status == "failed" and "unreachable" in run.error


def test_a_quiz_cannot_be_computed(client, carla, course):
    client.force_login(carla)
    quiz = exercise("temperature-name")
    assert quiz.kind == "quiz"
    assert client.post(reverse("similarity_recompute", args=[course.slug, quiz.slug])).status_code == 404


def test_compute_run_ranks_latest_submissions_of_students_only(carla, alice, bob, erin, course):
    copy = SOLUTION.replace("scaled", "s").replace("weights", "w")
    submission(course, alice, "def softmax(z, temperature=1.0, dim=-1):\n    return z\n")
    latest_alice = submission(course, alice, SOLUTION)
    bobs = submission(course, bob, copy)
    submission(course, erin, SOLUTION)  # staff's own try: not a student
    submission(course, carla, "")  # nor this
    run = Run.objects.create(course=course, exercise=exercise(SLUG))

    services.compute_run(run.pk)

    run.refresh_from_db()
    assert (run.status, run.compared, run.skipped) == ("done", 2, {})
    (pair,) = run.pairs.all()
    assert {pair.submission_a_id, pair.submission_b_id} == {latest_alice.pk, bobs.pk}
    assert pair.score > 0.9 and pair.regions_a and pair.regions_b
    services.compute_run(run.pk)  # a replayed message changes nothing
    assert run.pairs.count() == 1


def test_a_new_finished_run_replaces_the_old_one(carla, alice, bob, course, pair):
    run = Run.objects.create(course=course, exercise=exercise(SLUG))
    services.compute_run(run.pk)
    assert list(Run.objects.values_list("pk", flat=True)) == [run.pk]


def test_the_index_shows_ranked_pairs_with_names_and_a_localized_percentage(client, carla, pair, course):
    client.force_login(carla)
    page = client.get(reverse("similarity", args=[course.slug]), HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert "alice" in page and "bob" in page
    assert "87,3%" in page
    assert reverse("similarity_pair", args=[course.slug, pair.pk]) in page


def test_the_pair_page_escapes_code_and_lists_the_matching_lines(client, carla, alice, bob, course):
    hostile = "x = '<script>alert(1)</script>'\ny = '<img src=x onerror=alert(2)>'\nz = 3\n"
    pair = finished_run(course, submission(course, alice, hostile), submission(course, bob, "<b>bold</b>\n"))
    client.force_login(carla)
    page = client.get(reverse("similarity_pair", args=[course.slug, pair.pk])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert page.count('class="match"') == 3  # lines 2-3 of one, line 1 of the other
    assert "2–3" in page


def test_the_status_json_names_the_exercises_still_computing(client, carla, pair, course):
    client.force_login(carla)
    url = reverse("similarity_status", args=[course.slug])
    assert client.get(url).json() == {"runs": {SLUG: "done"}, "active": []}
    waiting = Run.objects.create(course=course, exercise=exercise(SLUG), status=Run.Status.QUEUED, requested_by=carla)
    assert client.get(url).json() == {"runs": {SLUG: "queued"}, "active": [SLUG]}
    page = client.get(reverse("similarity", args=[course.slug])).content.decode()
    assert f'data-active="{SLUG}"' in page and "similarity.js" in page
    Run.objects.filter(pk=waiting.pk).update(status=Run.Status.DONE)
    assert client.get(url).json()["active"] == []


def test_code_lines_cut_a_line_at_the_regions_columns_and_read_old_line_regions():
    from similarity.views import code_lines, line_ranges

    source = "def f(x):\n    y = helper(x) + x.exp()\n    return y\n"
    lines = code_lines(source, [[2, 20, 3, 4]])
    assert [(s.text, s.match) for s in lines[1].segments] == [("    y = helper(x) + ", False), ("x.exp()", True)]
    assert [(s.text, s.match) for s in lines[2].segments] == [("    ", True), ("return y", False)]
    assert not lines[0].match and lines[1].match
    assert line_ranges([[2, 20, 3, 4], [3, 6, 3, 12]]) == ["2–3"]
    assert line_ranges([[5, 4, 5, 9], [4, 0, 4, 3], [7, 0, 7, 2]]) == ["4–5", "7"]
    # A run stored before token precision ([first line, last line]) marks its whole lines.
    old = code_lines(source, [[1, 2]])
    assert [s.match for s in old[0].segments] == [True] and old[1].segments[0].text == "    y = helper(x) + x.exp()"
    assert not old[2].match
