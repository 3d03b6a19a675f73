"""Roles per course: a teaching assistant sees and reviews the students' work; only an instructor runs the course."""

import pytest
from django.urls import reverse

from courses.access import get_staff_enrollment
from submissions import services
from submissions.models import Submission
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db


def _submission(course, student):
    item = exercise("softmax-temperature")
    return Submission.objects.create(
        course=course,
        student=student,
        exercise=item,
        version=item.current_version,
        source="SECRET = 1\n",
        report={"private": {"seed": 1234, "failures": []}},
        status="graded",
        score=3,
        max_score=10,
    )


def test_a_teaching_assistant_sees_a_students_submission_with_its_private_details(client, alice, erin, course):
    submission = _submission(course, alice)
    client.force_login(erin)
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "SECRET = 1" in page and 'id="private"' in page and "1234" in page
    assert "alice" in page


def test_a_teaching_assistant_does_not_set_due_dates_and_an_instructor_does(client, erin, carla, course):
    url = reverse("lesson_due", args=[course.slug, "chatgpt"])
    client.force_login(erin)
    assert client.post(url, {"due_at": "2030-05-01T10:00"}).status_code == 404
    client.force_login(carla)
    assert client.post(url, {"due_at": "2030-05-01T10:00"}).status_code == 302


def test_staff_pages_say_404_to_students_and_to_staff_of_other_courses(rf, alice, erin, carla, dave, course):
    from django.http import Http404

    for user, instructor_only, allowed in [
        (carla, True, True),
        (carla, False, True),
        (erin, False, True),
        (erin, True, False),
        (alice, False, False),
        (dave, False, False),
    ]:
        request = rf.get("/")
        request.user = user
        if allowed:
            assert get_staff_enrollment(request, course.slug, instructor_only).user == user
        else:
            with pytest.raises(Http404):
                get_staff_enrollment(request, course.slug, instructor_only)


def test_a_teaching_assistant_sees_the_join_code_and_the_solution_and_tries_as_practice(client, erin, course):
    client.force_login(erin)
    page = client.get(reverse("course", args=[course.slug])).content.decode()
    assert course.join_code_display in page and "monitor(a)" in client.get(reverse("courses")).content.decode()
    code_page = client.get(reverse("exercise", args=[course.slug, "softmax-temperature"])).content.decode()
    assert 'id="solution"' in code_page
    tried = services.submit_code(enrollment_of(erin, course), exercise("softmax-temperature"), SOLUTION)
    assert tried.queue == "cpu-low"  # staff tries never hold up the students' work


def test_a_student_never_sees_another_students_submission(client, alice, bob, course):
    submission = _submission(course, alice)
    client.force_login(bob)
    assert client.get(reverse("submission", args=[submission.pk])).status_code == 404
