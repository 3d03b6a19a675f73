"""Running a course: who may open each staff page, lesson dates and open gating, late policies,
extensions, the join code, roles, and creating a course (CSV enrolment: test_csv_enrolment.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Lesson
from courses.deadlines import days_late, late_credit
from courses.models import Course, CourseLesson, Enrollment, Extension
from submissions import services
from submissions.models import QuizAnswer, Submission
from tests.conftest import SOLUTION, choice_value, enrollment_of, exercise

pytestmark = pytest.mark.django_db

CODE = "softmax-temperature"


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """The new strings await their pt-BR translation (platform/locale/): read the pages in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _lesson_of(course, slug) -> CourseLesson:
    return CourseLesson.objects.select_related("lesson").get(course=course, lesson=exercise(slug).lesson)


def _set(course, slug, **fields) -> CourseLesson:
    course_lesson = _lesson_of(course, slug)
    for name, value in fields.items():
        setattr(course_lesson, name, value)
    course_lesson.save()
    return course_lesson


def _a_single_choice_item():
    from catalog.models import Exercise

    for item in Exercise.objects.filter(active=True, kind=Exercise.QUIZ).select_related("current_version"):
        spec = item.current_version.data["quiz"]
        if spec["type"] == "single_choice" and item.lesson.slug == exercise(CODE).lesson.slug:
            return item, spec["answer"]
    raise AssertionError("no single-choice item in the softmax lesson")


def _graded(submission, score=10.0):
    services.record_result(submission.pk, {"status": "graded", "score": score, "checks": []}, submission.token)
    submission.refresh_from_db()
    return submission


# --- permissions ------------------------------------------------------------------------------

STAFF_PAGES = {
    "settings": (lambda c: reverse("course_settings", args=[c.slug]), "instructor"),
    "csv": (lambda c: reverse("enrol_csv", args=[c.slug]), "instructor"),
    "extensions": (lambda c: reverse("lesson_extensions", args=[c.slug, "chatgpt"]), "staff"),
}


@pytest.mark.parametrize("page", sorted(STAFF_PAGES))
@pytest.mark.parametrize("who", ["carla", "erin", "alice", "dave"])
def test_each_staff_page_opens_for_the_roles_it_is_for_and_is_404_for_everyone_else(
    client, request, course, carla, erin, alice, dave, page, who
):
    url_of, allowed = STAFF_PAGES[page]
    client.force_login(request.getfixturevalue(who))
    ok = who == "carla" or (who == "erin" and allowed == "staff")
    assert client.get(url_of(course)).status_code == (200 if ok else 404)
    assert client.post(url_of(course), {"action": "titles"}).status_code in ((200, 302, 400) if ok else (404,))


@pytest.mark.parametrize("page", sorted(STAFF_PAGES))
def test_anonymous_visitors_of_staff_pages_are_sent_to_log_in(client, course, page):
    response = client.get(STAFF_PAGES[page][0](course))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_teaching_assistant_cannot_change_settings_by_posting(client, course, erin, carla):
    client.force_login(erin)
    url = reverse("course_settings", args=[course.slug])
    assert client.post(url, {"action": "titles", "title_pt": "X", "title_en": "X"}).status_code == 404
    course.refresh_from_db()
    assert course.title["pt"] == "Redes neurais"


# --- lesson dates ---------------------------------------------------------------------------


def _post_lesson(client, course, lesson="chatgpt", **fields):
    data = {"action": "lesson", "lesson": lesson, "opens_at": "", "due_at": "", "late_policy": "practice"}
    data.update(penalty_percent="10", penalty_max_days="")
    data.update(fields)
    return client.post(reverse("course_settings", args=[course.slug]), data)


def test_an_instructor_sets_open_and_due_dates_in_the_sites_time_zone(client, course, carla):
    client.force_login(carla)
    response = _post_lesson(
        client, course, opens_at="2030-03-01T08:00", due_at="2030-03-10T23:59", late_policy="penalty"
    )
    assert response.status_code == 302
    row = CourseLesson.objects.get(course=course, lesson__slug="chatgpt")
    assert timezone.localtime(row.opens_at).strftime("%Y-%m-%d %H:%M") == "2030-03-01 08:00"
    assert row.due_at.utcoffset() is not None and timezone.localtime(row.due_at).hour == 23
    assert row.late_policy == "penalty" and row.penalty_percent == 10 and row.penalty_max_days is None
    page = client.get(reverse("course_settings", args=[course.slug])).content.decode()
    assert 'value="2030-03-10T23:59"' in page and "America/Sao_Paulo" in page


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"due_at": "2025-02-30T10:00"}, "due_at", "is not a real date"),
        ({"opens_at": "1999-12-31T10:00"}, "opens_at", "between 2000 and 2200"),
        ({"due_at": "2201-01-01T10:00"}, "due_at", "between 2000 and 2200"),
        ({"opens_at": "2030-03-11T08:00", "due_at": "2030-03-10T08:00"}, "opens_at", "open before its due date"),
        ({"due_at": "amanhã"}, "due_at", "2025-03-31 23:59"),
        ({"late_policy": "penalty", "penalty_percent": "0"}, "penalty_percent", "1"),
        ({"late_policy": "whatever"}, "late_policy", ""),
    ],
)
def test_a_wrong_lesson_date_or_policy_is_explained_keeps_the_input_and_saves_nothing(
    client, course, carla, fields, field, says
):
    _set(course, CODE, due_at=None)
    before = list(CourseLesson.objects.filter(course=course).values())
    client.force_login(carla)
    response = _post_lesson(client, course, **{"opens_at": "", "due_at": "2030-01-01T10:00", **fields})
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="chatgpt-{field}-error"' in page or (field == "late_policy" and "late_policy" in page)
    assert says in page
    for name, typed in fields.items():
        if name in ("opens_at", "due_at"):
            assert f'value="{typed}"' in page  # what was typed stays in the field
    assert list(CourseLesson.objects.filter(course=course).values()) == before


def test_before_its_open_date_students_see_when_the_lesson_opens_and_cannot_answer_or_submit(
    client, course, alice, carla
):
    opens = timezone.now() + timedelta(days=2)
    _set(course, CODE, opens_at=opens)
    item, key = _a_single_choice_item()
    client.force_login(alice)
    lesson = client.get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    assert 'id="not-open"' in lesson and "opens on" in lesson and item.display_title not in lesson
    dashboard = client.get(reverse("course", args=[course.slug])).content.decode()
    assert "Opens on" in dashboard
    # Through the pages...
    response = client.post(reverse("exercise", args=[course.slug, CODE]), {"source": SOLUTION})
    assert response.status_code == 403 and "opens on" in response.content.decode()
    response = client.post(reverse("exercise", args=[course.slug, item.slug]), {"answer": "x"})
    assert response.status_code == 403
    # ...and in the services that the pages call.
    with pytest.raises(services.InvalidSubmission, match="abre em|opens on"):
        services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION)
    with pytest.raises(Exception, match="opens on") as refused:
        services.answer_quiz(enrollment_of(alice, course), item, key)
    assert "abre em" in refused.value.message["pt"]
    assert Submission.objects.count() == 0 and QuizAnswer.objects.count() == 0
    # Staff still see it and may try it.
    client.force_login(carla)
    assert item.display_title in client.get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    assert client.get(reverse("exercise", args=[course.slug, CODE])).status_code == 200
    services.submit_code(enrollment_of(carla, course), exercise(CODE), SOLUTION)


def test_once_open_students_submit_as_usual(client, course, alice):
    _set(course, CODE, opens_at=timezone.now() - timedelta(minutes=1))
    client.force_login(alice)
    assert client.post(reverse("exercise", args=[course.slug, CODE]), {"source": SOLUTION}).status_code == 302


# --- late policies -----------------------------------------------------------------------------


def test_late_credit_loses_the_rate_per_started_day_and_never_goes_below_zero():
    due = timezone.now()
    assert days_late(due, due - timedelta(seconds=1)) == 0
    assert days_late(due, due + timedelta(seconds=1)) == 1
    assert days_late(due, due + timedelta(days=1)) == 1
    assert days_late(due, due + timedelta(days=2.5)) == 3
    assert [late_credit(10, d) for d in (0, 1, 3, 10, 40)] == [1.0, 0.9, 0.7, 0.0, 0.0]
    assert late_credit(15, 7) == 0.0  # floored, not -0.05


def test_closed_lessons_refuse_code_and_answers_after_the_due_date(client, course, alice):
    _set(course, CODE, due_at=timezone.now() - timedelta(minutes=1), late_policy="closed")
    item, key = _a_single_choice_item()
    client.force_login(alice)
    page = client.get(reverse("exercise", args=[course.slug, CODE])).content.decode()
    assert 'id="closed-note"' in page and 'id="late-closed"' in page and "nothing more is accepted" in page
    response = client.post(reverse("exercise", args=[course.slug, CODE]), {"source": SOLUTION})
    assert response.status_code == 200 and "this lesson accepts nothing more" in response.content.decode()
    response = client.post(
        reverse("exercise", args=[course.slug, item.slug]), {"answer": choice_value(alice, course, item.slug, key)}
    )
    assert "this lesson accepts nothing more." in response.content.decode()
    assert Submission.objects.count() == 0 and QuizAnswer.objects.count() == 0


def test_practice_policy_keeps_todays_behaviour(course, alice):
    _set(course, CODE, due_at=timezone.now() - timedelta(days=1), late_policy="practice")
    submission = _graded(services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION))
    assert submission.late and submission.queue == "cpu-low" and submission.credit == 0.0
    row = services.lesson_rows(course, alice, [exercise(CODE)])[0]
    assert row.score is None  # practice does not count


@pytest.mark.parametrize(
    ("late_by", "days", "credit"),
    [(None, 0, 1.0), (timedelta(hours=20), 1, 0.9), (timedelta(days=2.5), 3, 0.7)],
)
def test_a_penalised_late_submission_counts_at_its_share_on_the_lesson_page(
    client, course, alice, late_by, days, credit
):
    due = timezone.now() + timedelta(days=1) if late_by is None else timezone.now() - late_by
    _set(course, CODE, due_at=due, late_policy="penalty", penalty_percent=10)
    submission = _graded(services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION))
    assert (submission.late, submission.days_late, submission.credit) == (False, days, credit)
    assert submission.queue == "cpu"  # it counts, so it is graded ahead of practice
    row = services.lesson_rows(course, alice, [exercise(CODE)])[0]
    assert row.score == pytest.approx(10 * credit)
    client.force_login(alice)
    lesson = client.get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    assert f"Score so far: {10 * credit:g} / " in lesson
    if days:
        page = client.get(reverse("exercise", args=[course.slug, CODE])).content.decode()
        assert 'id="late-penalty"' in page and f"{round(credit * 100)}%" in page


def test_many_days_late_under_a_penalty_earn_nothing_and_are_practice(course, alice):
    _set(course, CODE, due_at=timezone.now() - timedelta(days=29.5), late_policy="penalty", penalty_percent=10)
    submission = _graded(services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION))
    assert submission.late and submission.credit == 0.0 and submission.days_late == 30
    assert services.lesson_rows(course, alice, [exercise(CODE)])[0].score is None


def test_past_the_penalty_days_late_work_is_practice(course, alice):
    _set(
        course,
        CODE,
        due_at=timezone.now() - timedelta(days=3.5),
        late_policy="penalty",
        penalty_percent=10,
        penalty_max_days=3,
    )
    submission = services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION)
    assert submission.late and submission.credit == 0.0


@pytest.mark.parametrize(("late_by", "credit"), [(timedelta(hours=2), 0.8), (timedelta(days=2.5), 0.4)])
def test_a_penalised_late_quiz_answer_counts_at_its_share(client, course, alice, late_by, credit):
    item, key = _a_single_choice_item()
    _set(course, item.slug, due_at=timezone.now() - late_by, late_policy="penalty", penalty_percent=20)
    answer = services.answer_quiz(enrollment_of(alice, course), item, key)
    points = item.current_version.max_score
    assert not answer.late and answer.correct and answer.credit == credit and answer.attempt == 1
    assert services.quiz_scores(course, alice, [item]) == {item.id: pytest.approx(points * credit)}
    client.force_login(alice)
    page = client.get(reverse("exercise", args=[course.slug, item.slug])).content.decode()
    assert 'id="late-policy"' in page and "20%" in page


def test_the_late_policy_is_stated_on_the_code_quiz_and_lesson_pages(client, course, alice):
    item, _key = _a_single_choice_item()
    _set(course, CODE, due_at=timezone.now() + timedelta(days=3), late_policy="penalty", penalty_percent=15)
    client.force_login(alice)
    for url in (
        reverse("exercise", args=[course.slug, CODE]),
        reverse("exercise", args=[course.slug, item.slug]),
        reverse("lesson", args=[course.slug, "chatgpt"]),
    ):
        page = client.get(url).content.decode()
        assert 'id="late-policy"' in page and "15%" in page, url


# --- extensions ----------------------------------------------------------------------------------


def test_an_extension_moves_only_that_students_due_date(client, course, alice, bob, erin):
    lesson = _set(course, CODE, due_at=timezone.now() - timedelta(hours=1), late_policy="penalty").lesson
    client.force_login(erin)  # a teaching assistant grants it
    later = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("lesson_extensions", args=[course.slug, lesson.slug])
    assert client.post(url, {"student": alice.pk, "due_at": later, "reason": "atestado"}).status_code == 302
    extension = Extension.objects.get()
    assert extension.student == alice and extension.by == erin and extension.reason == "atestado"
    on_time = services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION)
    late = services.submit_code(enrollment_of(bob, course), exercise(CODE), SOLUTION)
    assert (on_time.late, on_time.days_late, on_time.credit) == (False, 0, 1.0)
    assert (late.days_late, late.credit) == (1, 0.9)
    client.force_login(alice)
    page = client.get(reverse("exercise", args=[course.slug, CODE])).content.decode()
    assert "Your due date (extension)" in page
    client.force_login(bob)
    assert "(extension)" not in client.get(reverse("exercise", args=[course.slug, CODE])).content.decode()
    # Revoked, Alice is late again.
    client.force_login(erin)
    client.post(url, {"action": "revoke", "extension": extension.pk})
    assert not Extension.objects.exists()
    assert services.late_policy_for(course, exercise(CODE), alice).days_late() == 1


def test_an_item_page_reads_the_students_extension_with_the_lessons_dates(client, course, alice, bob, carla):
    """The extension comes in the query that reads the lesson's dates: the same number of queries
    with one as without, and each student's own due date on the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    due = timezone.now() + timedelta(days=1)
    lesson = _set(course, CODE, due_at=due, late_policy="penalty").lesson
    later = due + timedelta(days=3)
    Extension.objects.create(course=course, lesson=lesson, student=alice, due_at=later, by=carla)
    quiz = next(e for e in lesson.exercises.filter(active=True) if e.kind == "quiz")
    seen = {}
    client.force_login(bob)
    for slug in (CODE, quiz.slug):
        client.get(reverse("exercise", args=[course.slug, slug]))  # the lesson's item list, read once (lesson_index)
    for student in (alice, bob):
        client.force_login(student)
        for slug in (CODE, quiz.slug):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("exercise", args=[course.slug, slug]))
            state = response.context["state"] if slug == quiz.slug else response.context
            seen[student.username, slug] = (state["deadline"].due if slug == CODE else state.due, len(queries))
    for slug in (CODE, quiz.slug):
        (alice_due, alice_queries), (bob_due, bob_queries) = seen["alice", slug], seen["bob", slug]
        assert (alice_due, bob_due) == (later, due), slug
        assert alice_queries == bob_queries, slug


def test_an_impossible_extension_date_is_refused_and_saves_nothing(client, course, alice, carla):
    client.force_login(carla)
    url = reverse("lesson_extensions", args=[course.slug, "chatgpt"])
    response = client.post(url, {"student": alice.pk, "due_at": "2025-02-30T10:00"})
    assert response.status_code == 400 and 'value="2025-02-30T10:00"' in response.content.decode()
    assert not Extension.objects.exists()


def test_extensions_are_only_for_the_courses_students(client, course, carla, dave):
    client.force_login(carla)
    url = reverse("lesson_extensions", args=[course.slug, "chatgpt"])
    assert client.post(url, {"student": dave.pk, "due_at": "2030-01-01T10:00"}).status_code == 400
    assert not Extension.objects.exists()


# --- join code, titles, roles -----------------------------------------------------------------


def test_a_new_join_code_needs_confirming_and_the_old_one_stops_working_at_once(client, course, carla, bob):
    old = course.join_code
    client.force_login(carla)
    url = reverse("course_settings", args=[course.slug])
    assert client.post(url, {"action": "join_code"}).status_code == 400  # not confirmed
    course.refresh_from_db()
    assert course.join_code == old
    assert client.post(url, {"action": "join_code", "confirm": "yes"}).status_code == 302
    course.refresh_from_db()
    assert course.join_code != old
    newcomer = type(carla).objects.create_user("nina", password="nina-pass-123")
    client.force_login(newcomer)
    client.post(reverse("join_course"), {"code": old})
    assert not Enrollment.objects.filter(user=newcomer).exists()
    client.post(reverse("join_course"), {"code": course.join_code})
    assert Enrollment.objects.filter(user=newcomer, course=course, role="student").exists()


def test_an_instructor_edits_both_titles(client, course, carla):
    client.force_login(carla)
    url = reverse("course_settings", args=[course.slug])
    assert client.post(url, {"action": "titles", "title_pt": "Novo", "title_en": ""}).status_code == 400
    assert client.post(url, {"action": "titles", "title_pt": "Novo", "title_en": "New"}).status_code == 302
    course.refresh_from_db()
    assert course.title == {"pt": "Novo", "en": "New"}


def test_roles_change_but_the_last_instructor_stays(client, course, carla, alice):
    client.force_login(carla)
    url = reverse("course_settings", args=[course.slug])
    mine, hers = enrollment_of(carla, course), enrollment_of(alice, course)
    assert client.post(url, {"action": "role", "member": hers.pk, "role": "assistant"}).status_code == 302
    assert Enrollment.objects.get(pk=hers.pk).role == "assistant"
    response = client.post(url, {"action": "role", "member": mine.pk, "role": "student"})
    assert response.status_code == 400 and "only instructor" in response.content.decode()
    assert Enrollment.objects.get(pk=mine.pk).role == "instructor"
    # With a second instructor, Carla may step down.
    client.post(url, {"action": "role", "member": hers.pk, "role": "instructor"})
    assert client.post(url, {"action": "role", "member": mine.pk, "role": "student"}).status_code == 302
    assert Enrollment.objects.get(pk=mine.pk).role == "student"


def test_a_member_of_another_course_cannot_be_changed_from_this_one(client, course, carla, dave, other_course):
    client.force_login(carla)
    theirs = enrollment_of(dave, other_course)
    url = reverse("course_settings", args=[course.slug])
    assert client.post(url, {"action": "role", "member": theirs.pk, "role": "student"}).status_code == 400
    assert Enrollment.objects.get(pk=theirs.pk).role == "instructor"


# --- creating a course ----------------------------------------------------------------------------


def test_only_the_sites_staff_create_courses_by_default(client, alice, django_user_model, catalog):
    client.force_login(alice)
    assert client.get(reverse("new_course")).status_code == 404
    boss = django_user_model.objects.create_user("boss", password="boss-pass-123", is_staff=True)
    client.force_login(boss)
    page = client.get(reverse("new_course")).content.decode()
    assert all(f'value="{lesson.slug}" checked' in page for lesson in Lesson.objects.all())
    response = client.post(
        reverse("new_course"),
        {"title_pt": "Curso", "title_en": "Course", "slug": "curso-2030", "lessons": ["redes-neurais", "chatgpt"]},
    )
    assert response.status_code == 302 and response["Location"] == reverse("course_settings", args=["curso-2030"])
    course = Course.objects.get(slug="curso-2030")
    assert course.title == {"pt": "Curso", "en": "Course"} and course.join_code
    assert Enrollment.objects.get(course=course).user == boss and Enrollment.objects.get(course=course).is_instructor
    catalog_order = [lesson.slug for lesson in Lesson.objects.all()]
    assert [cl.lesson.slug for cl in CourseLesson.objects.filter(course=course)] == catalog_order


def test_anyone_creates_courses_when_the_setting_says_so(client, alice, settings, course):
    settings.COURSE_CREATORS = "anyone"
    client.force_login(alice)
    assert 'id="new-course-link"' in client.get(reverse("courses")).content.decode()
    data = {"title_pt": "A", "title_en": "B", "slug": "nn", "lessons": ["chatgpt"]}
    response = client.post(reverse("new_course"), data)  # the address is taken
    assert response.status_code == 400 and "already has this address" in response.content.decode()
    response = client.post(reverse("new_course"), {**data, "slug": "Não Slug!"})
    assert response.status_code == 400
    assert client.post(reverse("new_course"), {**data, "slug": "ab-1"}).status_code == 302
    assert [cl.lesson.slug for cl in CourseLesson.objects.filter(course__slug="ab-1")] == ["chatgpt"]


def test_anonymous_visitors_are_sent_to_log_in_to_create_a_course(client, catalog):
    response = client.get(reverse("new_course"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_override_of_a_penalised_late_submission_keeps_the_late_share(course, alice, carla):
    """An override says what the attempt is worth; the lesson's late penalty still takes its share."""
    from review import services as review

    _set(course, CODE, due_at=timezone.now() - timedelta(hours=20), late_policy="penalty", penalty_percent=10)
    submission = _graded(services.submit_code(enrollment_of(alice, course), exercise(CODE), SOLUTION), score=4.0)
    assert services.lesson_rows(course, alice, [exercise(CODE)])[0].score == pytest.approx(3.6)
    review.override(submission, carla, 8.0, "the grader missed a right answer")
    assert services.lesson_rows(course, alice, [exercise(CODE)])[0].score == pytest.approx(7.2)
