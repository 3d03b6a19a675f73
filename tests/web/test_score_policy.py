"""What counts, stated wherever a score is shown, and true for the course and lesson in question.

The dashboard, the lesson page, the coding page and the submission page each carry one
statement (courses.score_policy) built from the course's attempt and score policy and the
lesson's late policy. The attempt list marks the attempt whose score counts and shows what a
late attempt counts for; every attempt can be listed and compared. Pages are read in English
(the pt-BR catalog is filled apart); dates are compared with the locale's own formatting.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from catalog.models import Exercise
from courses import policies
from courses.deadlines import deadline_for, local_text
from courses.models import CourseLesson
from courses.score_policy import score_policy
from submissions import compare, services
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db

CODE = "softmax-temperature"
OLD_SENTENCE = "Work after a due date is practice"


@pytest.fixture(autouse=True)
def _site_language_after():
    """Requests in English leave English active in this thread: later tests expect the site's default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _login(client, user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)


def _get(client, name, *args, **query):
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return response.content.decode()


def _graded(user, course, score, item=None):
    item = item or exercise(CODE)
    submission = services.submit_code(enrollment_of(user, course), item, SOLUTION)
    services.record_result(submission.pk, {"status": "graded", "score": score, "checks": []}, submission.token)
    submission.refresh_from_db()
    return submission


def _statement(page: str) -> str:
    found = re.search(r'<p class="muted score-policy" id="score-policy">(.*?)</p>', page, re.S)
    assert found, "no score policy on the page"
    return found.group(1)


def _four_pages(client, course, submission) -> dict[str, str]:
    item = submission.exercise
    return {
        "dashboard": _get(client, "course", course.slug),
        "lesson": _get(client, "lesson", course.slug, item.lesson.slug),
        "code": _get(client, "exercise", course.slug, item.slug),
        "submission": _get(client, "submission", submission.pk),
    }


def _course_lesson(course, item=None) -> CourseLesson:
    return CourseLesson.objects.get(course=course, lesson=(item or exercise(CODE)).lesson)


def _lesson_row(page: str, course, lesson) -> str:
    return page.split(f'href="/c/{course.slug}/l/{lesson.slug}/"')[1].split("</li>")[0]


def _attempt_rows(page: str) -> list[str]:
    table = page.split('<table class="table attempts">')[1].split("</table>")[0]
    return re.findall(r"<tr><td><a href=\"/submissions/\d+/\">.*?</tr>", table, re.S)


def _row_of(page: str, submission) -> str:
    (row,) = [r for r in _attempt_rows(page) if f'href="/submissions/{submission.pk}/"' in r]
    return row


# --- the statement, on every page that shows a score ----------------------------------------


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        ("best", "In a question, your best answer counts."),
        ("last", "In a question, your last answer counts."),
        ("decreasing", "In a question, each later answer is worth less ("),
    ],
)
def test_the_statement_gives_the_courses_own_policy_on_every_page(client, alice, course, rule, sentence):
    course.quiz_score, course.quiz_attempts, course.code_attempts = rule, 4, 3
    course.save()
    submission = _graded(alice, course, 5)
    _login(client, alice)
    pages = _four_pages(client, course, submission)
    for name, page in pages.items():
        statement = _statement(page)
        assert "In a coding exercise, your best submission counts." in statement, name
        assert "Up to 3 attempts per exercise." in statement, name
        assert OLD_SENTENCE not in page, name
    # Questions are on the dashboard and the lesson page, not on a coding exercise's.
    for name in ("dashboard", "lesson"):
        assert sentence in _statement(pages[name]) and "Up to 4 answers per question." in _statement(pages[name])
    for name in ("code", "submission"):
        assert "question" not in _statement(pages[name])
    others = {"best", "last", "decreasing"} - {rule}
    for other in others:
        assert f"your {other} answer counts" not in _statement(pages["lesson"])


def test_without_a_course_policy_the_statement_says_the_items_differ(client, alice, course):
    submission = _graded(alice, course, 5)
    _login(client, alice)
    pages = _four_pages(client, course, submission)
    lesson = _statement(pages["lesson"])
    assert "Each question states which of its answers counts." in lesson
    limit = services.attempt_limit(exercise(CODE), course)
    assert f"Up to {limit} attempts per exercise." in _statement(pages["code"])
    assert f"Up to {limit} attempts per exercise." in _statement(pages["submission"])
    # A decreasing course policy with each item's own number of answers: the shares differ too.
    course.quiz_score = "decreasing"
    course.save()
    lesson = _statement(_get(client, "lesson", course.slug, exercise(CODE).lesson.slug))
    assert "each later answer is worth less (the question shows how much)" in lesson


def test_decreasing_credit_names_its_shares_when_the_items_share_them(course):
    """Items of their own decreasing shares keep them (stretched to the course's count); the others
    take the course's 1, 0.75, 0.5, 0.25: the statement names the shares only when all agree."""
    course.quiz_score, course.quiz_attempts = "decreasing", 4
    quizzes = Exercise.objects.filter(kind=Exercise.QUIZ, active=True).select_related("current_version")
    plain = [q for q in quizzes if services.quiz_policy(q, course)["credit"] == policies.decreasing_credit(4)]
    own = [q for q in quizzes if q not in plain]
    assert plain and own
    with translation.override("en"):
        assert "worth less (100% · 75% · 50% · 25% of the points); the best counts." in str(score_policy(course, plain))
        assert "worth less (the question shows how much)" in str(score_policy(course, plain + own[:1]))
        # Nothing about code where there is no coding exercise, nor about lateness without a due date.
        assert "coding" not in str(score_policy(course, plain)) and "due date" not in str(score_policy(course, plain))


@pytest.mark.parametrize("policy", [CourseLesson.PRACTICE, CourseLesson.PENALTY, CourseLesson.CLOSED])
def test_the_statement_follows_the_lessons_late_policy(client, alice, course, policy):
    course_lesson = _course_lesson(course)
    course_lesson.due_at = timezone.now() + timedelta(days=2)
    course_lesson.late_policy = policy
    course_lesson.penalty_percent = 15
    course_lesson.penalty_max_days = 3 if policy == CourseLesson.PENALTY else None
    course_lesson.save()
    submission = _graded(alice, course, 5)
    with translation.override("en"):
        late = deadline_for(course_lesson, alice).statement()
    _login(client, alice)
    for name, page in _four_pages(client, course, submission).items():
        statement = _statement(page)
        assert escape(late) in statement, name
        assert OLD_SENTENCE not in page, name
        if policy != CourseLesson.PRACTICE:
            assert "is practice: graded and marked late, it does not count" not in statement, name
    expected = {
        CourseLesson.PRACTICE: "Work after the due date is practice",
        CourseLesson.PENALTY: "Late work counts with 15% less per day late",
        CourseLesson.CLOSED: "After the due date nothing more is accepted.",
    }[policy]
    assert expected in late


def test_lessons_with_different_late_policies_each_state_their_own(client, alice, course):
    first, second = CourseLesson.objects.filter(course=course)[:2]
    due = timezone.now() + timedelta(days=3)
    CourseLesson.objects.filter(pk=first.pk).update(due_at=due, late_policy=CourseLesson.PENALTY, penalty_percent=25)
    CourseLesson.objects.filter(pk=second.pk).update(due_at=due, late_policy=CourseLesson.CLOSED)
    _login(client, alice)
    page = _get(client, "course", course.slug)
    assert "each lesson states its own rule beside its due date" in _statement(page)
    assert "Late work counts with 25% less per day late" in _lesson_row(page, course, first.lesson)
    assert "After the due date nothing more is accepted." in _lesson_row(page, course, second.lesson)
    assert "25% less" not in _lesson_row(page, course, second.lesson)


# --- late or not, and which attempt counts ---------------------------------------------------


def _past_due(course, days: float, policy: str, percent: int = 20) -> None:
    CourseLesson.objects.filter(pk=_course_lesson(course).pk).update(
        due_at=timezone.now() - timedelta(days=days), late_policy=policy, penalty_percent=percent
    )


def test_the_submission_page_says_whether_the_attempt_was_late(client, alice, course):
    CourseLesson.objects.filter(pk=_course_lesson(course).pk).update(due_at=timezone.now() + timedelta(days=1))
    on_time = _graded(alice, course, 5)
    _past_due(course, 1.5, CourseLesson.PENALTY)
    penalised = _graded(alice, course, 10)
    assert (penalised.late, penalised.days_late, penalised.credit) == (False, 2, 0.6)
    _past_due(course, 30, CourseLesson.PRACTICE)
    practice = _graded(alice, course, 10)
    assert practice.late
    _login(client, alice)

    def lateness(submission):
        page = _get(client, "submission", submission.pk)
        assert 'id="private"' not in page  # the student's own view: no instructor details
        return page.split('id="lateness"')[1].split("</p>")[0]

    assert "Sent on time." in lateness(on_time)
    note = lateness(penalised)
    assert '<span class="badge late">2 days late</span>' in note and "counts at 60% of its score" in note
    note = lateness(practice)
    assert '<span class="badge late">Late</span>' in note and "practice, graded but it does not count" in note


def test_the_attempt_list_marks_the_attempt_that_counts_with_what_it_counts_for(client, alice, course):
    CourseLesson.objects.filter(pk=_course_lesson(course).pk).update(due_at=timezone.now() + timedelta(days=1))
    on_time = _graded(alice, course, 5)
    _past_due(course, 1.5, CourseLesson.PENALTY)
    late_best = _graded(alice, course, 10)  # 10 at 60%: 6, more than the 5 on time
    late_worse = _graded(alice, course, 4)  # 4 at 60%: 2.4
    _login(client, alice)
    page = _get(client, "exercise", course.slug, CODE)
    counts = '<span class="badge counts">this one counts</span>'
    row = _row_of(page, late_best)
    assert counts in row and "counts as 6: 60% for being late" in row and "2 days late" in row
    assert counts not in _row_of(page, on_time) and "counts as" not in _row_of(page, on_time)
    assert counts not in _row_of(page, late_worse) and "counts as 2.40: 60% for being late" in _row_of(page, late_worse)
    # The same score the lesson page and the dashboard count (lesson_rows's arithmetic).
    (item_row,) = services.lesson_rows(course, alice, [exercise(CODE)])
    assert item_row.score == 6
    link = f'<a href="/submissions/{late_best.pk}/">attempt #{late_best.pk}</a>'
    assert f"Your score that counts: 6 / 10, from {link}." in page


def test_late_practice_in_the_list_is_marked_as_not_counting(client, alice, course):
    first = _graded(alice, course, 3)
    _past_due(course, 5, CourseLesson.PRACTICE)
    practice = _graded(alice, course, 10)
    _login(client, alice)
    page = _get(client, "exercise", course.slug, CODE)
    assert "practice: does not count" in _row_of(page, practice) and "this one counts" not in _row_of(page, practice)
    assert "this one counts" in _row_of(page, first)
    assert "Your score that counts: 3 / 10" in page


# --- the dashboard: attempts left and the open date -----------------------------------------


def _code_limits(course, lesson) -> int:
    items = Exercise.objects.filter(lesson=lesson, active=True, kind=Exercise.CODE).select_related("current_version")
    return sum(services.attempt_limit(item, course) for item in items)


def test_the_dashboard_shows_attempts_left_and_the_open_date(client, alice, carla, course):
    item = exercise(CODE)
    opened = timezone.now() - timedelta(days=3)
    CourseLesson.objects.filter(pk=_course_lesson(course).pk).update(opens_at=opened)
    _graded(alice, course, 5)
    total = _code_limits(course, item.lesson)
    _login(client, alice)
    page = _get(client, "course", course.slug)
    row = _lesson_row(page, course, item.lesson)
    with translation.override("en"):
        assert f"Opened on {local_text(opened)}" in row
    assert f"Coding attempts left: {total - 1} of {total}" in row
    # Every lesson with coding exercises says it; only the one with an open date gives one.
    assert page.count('class="attempts-left"') == CourseLesson.objects.filter(course=course).count()
    assert page.count('class="opens"') == 1

    # Before it opens: the students see when; the staff see the lesson's facts and when it opens.
    later = timezone.now() + timedelta(days=2)
    CourseLesson.objects.filter(pk=_course_lesson(course).pk).update(opens_at=later)
    with translation.override("en"):
        when = local_text(later)
    assert f"Opens on {when}" in _lesson_row(_get(client, "course", course.slug), course, item.lesson)
    _login(client, carla)
    staff_row = _lesson_row(_get(client, "course", course.slug), course, item.lesson)
    assert f"Opens on {when}" in staff_row and "Score so far" in staff_row


def test_the_dashboard_attempts_follow_the_course_limit_and_stop_after_the_due_date(client, alice, course):
    item = exercise(CODE)
    course.code_attempts = 1
    course.save()
    _graded(alice, course, 5)
    _login(client, alice)
    row = _lesson_row(_get(client, "course", course.slug), course, item.lesson)
    assert "none left on 1 exercise" in row
    course.code_attempts = 0
    course.save()
    row = _lesson_row(_get(client, "course", course.slug), course, item.lesson)
    assert "Coding attempts: no limit" in row
    # Past the due date new work is practice: attempts no longer matter.
    _past_due(course, 1, CourseLesson.PRACTICE)
    row = _lesson_row(_get(client, "course", course.slug), course, item.lesson)
    assert "Coding attempts" not in row


def test_the_dashboard_adds_no_query_per_lesson_for_the_new_facts(client, alice, course):
    """What the dashboard shows now (statement, attempts left, open dates) reads nothing new."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _graded(alice, course, 5)
    _login(client, alice)
    _get(client, "course", course.slug)  # warm: the session, the language
    with CaptureQueriesContext(connection) as before:
        _get(client, "course", course.slug)
    CourseLesson.objects.filter(course=course).update(
        opens_at=timezone.now() - timedelta(days=1), due_at=timezone.now() + timedelta(days=1)
    )
    course.code_attempts, course.quiz_score = 4, "last"
    course.save()
    _get(client, "course", course.slug)  # warm again: a changed course's row is read anew once
    with CaptureQueriesContext(connection) as after:
        page = _get(client, "course", course.slug)
    assert "Opened on" in page and "Coding attempts left" in page
    assert len(after) == len(before)


# --- every attempt -------------------------------------------------------------------------


@pytest.fixture
def many_attempts(alice, course):
    course.code_attempts = 0  # no limit
    course.save()
    return [_graded(alice, course, i % 10) for i in range(25)]


def test_every_attempt_can_be_listed_beyond_the_latest_twenty(client, alice, course, many_attempts, monkeypatch):
    _login(client, alice)
    page = _get(client, "exercise", course.slug, CODE)
    assert len(_attempt_rows(page)) == services.ATTEMPTS_SHOWN == 20
    assert 'href="?attempts=all#attempts-title">Show all 25 attempts</a>' in page
    # The oldest shown still links to the changes since the one before it, which is not listed.
    assert _attempt_rows(page)[-1].count("Changes since the previous one") == 1
    everything = _get(client, "exercise", course.slug, CODE, attempts="all")
    rows = _attempt_rows(everything)
    assert len(rows) == 25 and f'href="/submissions/{many_attempts[0].pk}/"' in rows[-1]
    assert "Show only the latest 20" in everything and "Show all" not in everything
    assert "Changes since the previous one" not in rows[-1]  # the very first attempt
    # Bounded: past the cap the page says how many it leaves out.
    monkeypatch.setattr(services, "ATTEMPTS_SHOWN_MAX", 22)
    capped = _get(client, "exercise", course.slug, CODE, attempts="all")
    assert len(_attempt_rows(capped)) == 22 and "Showing your latest 22 of 25 attempts" in capped


def _options(page: str, select: str) -> list[str]:
    block = page.split(f'id="{select}"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\d+)"', block)


def test_compare_offers_every_attempt_up_to_its_bound(client, alice, course, many_attempts, monkeypatch):
    _login(client, alice)
    page = _get(client, "compare_attempts", course.slug, CODE)
    assert len(_options(page, "compare-a")) == len(_options(page, "compare-b")) == 25
    assert 'id="choices-cut"' not in page
    monkeypatch.setattr(compare, "ATTEMPTS_SHOWN_MAX", 10)
    oldest, newest = many_attempts[0], many_attempts[-1]
    page = _get(client, "compare_attempts", course.slug, CODE, a=oldest.pk, b=newest.pk)
    options = _options(page, "compare-a")
    # The latest ten, and the older one compared, still there and chosen.
    assert len(options) == 11 and options[-1] == str(oldest.pk)
    assert f'<option value="{oldest.pk}" selected>' in page.split('id="compare-a"')[1]
    assert "The lists offer the latest 10 of 25 attempts." in page
