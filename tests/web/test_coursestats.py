"""Statistics for a course's staff: who may see them, the numbers on a hand-built class, escaping, query bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import CourseLesson, Enrollment
from coursestats import stats
from review.models import ScoreChange
from submissions import services
from submissions.models import QuizAnswer, Submission
from tests.conftest import exercise

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
CHECKS = ["matches_softmax", "temperature", "stable", "any_dim", "rejects_bad_temperature"]


@pytest.fixture
def dan(django_user_model, course):
    user = django_user_model.objects.create_user(username="dan", password="dan-pass-123")
    Enrollment.objects.create(course=course, user=user, role="student")
    return user


def at(row, when):
    """Give an attempt the creation time a test needs (auto_now_add sets now)."""
    row.__class__.objects.filter(pk=row.pk).update(created_at=when)
    row.created_at = when
    return row


def code(course, student, score, when, failing=(), late=False, charged=True, status="graded", slug=None):
    item = exercise(slug or "softmax-temperature")
    checks = [
        {"name": n, "title": {"pt": f"pt {n}", "en": f"en {n}"}, "passed": n not in failing, "score": 0, "max_score": 1}
        for n in CHECKS
    ]
    row = Submission.objects.create(
        course=course,
        student=student,
        exercise=item,
        version=item.current_version,
        source="x = 1\n",
        status=status,
        score=score,
        max_score=item.current_version.max_score,
        report={"status": status, "checks": checks if status == "graded" else []},
        late=late,
        charged=charged,
        credit=0.0 if late else 1.0,
    )
    return at(row, when)


def answer(course, student, slug, value, score, when, attempt=1, credit=1.0, late=False, correct=None, details=None):
    item = exercise(slug)
    row = QuizAnswer.objects.create(
        course=course,
        student=student,
        exercise=item,
        version=item.current_version,
        answer=value,
        score=score,
        max_score=item.current_version.max_score,
        correct=score >= item.current_version.max_score if correct is None else correct,
        details=details or {},
        late=late,
        attempt=0 if late else attempt,
        credit=0.0 if late else credit,
    )
    return at(row, when)


def item_url(course, slug):
    return reverse("course_stats_item", args=[course.slug, slug])


def item_context(client, course, slug):
    response = client.get(item_url(course, slug))
    assert response.status_code == 200
    return response.context, response.content.decode()


# --- who may see them -----------------------------------------------------------------


def test_only_the_courses_staff_see_the_statistics(client, alice, carla, erin, dave, course):
    urls = [reverse("course_stats", args=[course.slug]), item_url(course, "softmax-temperature")]
    for user, expected in ((carla, 200), (erin, 200), (alice, 404), (dave, 404)):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == expected, (user.username, url)
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(carla)
    assert client.get(reverse("course_stats", args=["nope"])).status_code == 404
    assert client.get(item_url(course, "no-such-item")).status_code == 404
    assert client.post(reverse("course_stats", args=[course.slug])).status_code == 405


def test_the_course_and_lesson_pages_link_to_the_statistics_for_staff_only(client, alice, carla, course):
    client.force_login(carla)
    assert 'id="stats-link"' in client.get(reverse("course", args=[course.slug])).content.decode()
    lesson = client.get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    assert reverse("course_stats", args=[course.slug]) + "#lesson-chatgpt" in lesson
    client.force_login(alice)
    assert 'id="stats-link"' not in client.get(reverse("course", args=[course.slug])).content.decode()
    assert (
        reverse("course_stats", args=[course.slug])
        not in client.get(reverse("lesson", args=[course.slug, "chatgpt"])).content.decode()
    )


# --- the numbers -------------------------------------------------------------------------


@pytest.fixture
def coded(course, alice, bob, carla, dan):
    """alice: 4 then 10 (full after 30 min); bob: 7 on time, an uncharged failure, full only late (2 days);
    dan: 0 once; carla (staff) a try that must not count."""
    code(course, alice, 4, T0, failing=("temperature", "stable"))
    code(course, alice, 10, T0 + timedelta(minutes=30))
    bob_first = code(course, bob, 7, T0, failing=("stable",))
    code(course, bob, 0, T0 + timedelta(hours=1), charged=False, status="sandbox_error")
    code(course, bob, 10, T0 + timedelta(days=2), late=True)
    code(course, dan, 0, T0 + timedelta(hours=3), failing=tuple(CHECKS))
    code(course, carla, 0, T0, failing=tuple(CHECKS))
    return bob_first


def test_a_coding_exercise_counts_attempts_scores_time_to_full_and_failing_checks(
    client, carla, alice, bob, dan, coded
):
    client.force_login(carla)
    context, page = item_context(client, coded.course, "softmax-temperature")
    s = context["summary"]
    # The uncharged failure and the staff's try are not attempts; the late one is.
    assert (s.attempts, s.late_attempts, s.tried, s.median_attempts) == (5, 1, 3, 2)
    assert s.scores == {alice.pk: 10, bob.pk: 7, dan.pk: 0} and s.full == 1
    assert s.mean == pytest.approx(17 / 3) and s.median == 7
    assert s.histogram() == [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]
    reached = context["reached"]
    assert (reached.reached, reached.never, reached.first_try) == (2, 1, 0)
    # Median of 30 min and 2 days; quartiles by linear interpolation.
    assert context["quartiles"] == ["12 h 22 min", "1 d 0 h", "1 d 12 h"]
    ranking = [(row.name, row.failed, row.graded, row.students_failing) for row in context["checks"]]
    assert ranking == [
        ("stable", 3, 5, 1),
        ("temperature", 2, 5, 1),
        ("matches_softmax", 1, 5, 1),
        ("any_dim", 1, 5, 1),
        ("rejects_bad_temperature", 1, 5, 1),
    ]
    declared = {c["name"]: c["title"] for c in exercise("softmax-temperature").current_version.data["checks"]}
    assert declared["stable"]["pt"] in page  # the check's title as declared, in the page's language (pt-BR)
    assert 'id="distribution"' in page and "<svg" in page and 'role="img"' in page


def test_the_counted_scores_are_the_lesson_pages_with_overrides_and_reverts(client, carla, alice, bob, dan, coded):
    course = coded.course
    client.force_login(carla)
    ScoreChange.objects.create(
        course=course, student=bob, exercise=coded.exercise, submission=coded, kind="override", new_score=9, by=carla
    )
    quiz_answer = answer(course, alice, "gpt-meaning", "pre-answers", 0.0, T0)
    ScoreChange.objects.create(
        course=course,
        student=alice,
        exercise=quiz_answer.exercise,
        quiz_answer=quiz_answer,
        kind="override",
        new_score=1.0,
        by=carla,
    )
    items = [exercise("softmax-temperature"), exercise("gpt-meaning")]
    attempts = stats.load_attempts(course, items)
    for item in items:
        summary = stats.summarize(item, attempts[item.id], 3)
        for student in (alice, bob, dan):
            expected = {r.exercise.slug: r.score for r in services.lesson_rows(course, student, items)}
            assert summary.scores.get(student.pk) == expected[item.slug], (item.slug, student.username)
    context, _ = item_context(client, course, "softmax-temperature")
    assert context["summary"].scores[bob.pk] == 9 and context["summary"].histogram()[9] == 1
    assert context["summary"].histogram()[7] == 0
    context, _ = item_context(client, course, "gpt-meaning")
    assert context["summary"].scores[alice.pk] == 1.0 and context["summary"].full == 1
    assert context["reached"].first_try == 1  # the override made her first answer a full-marks one
    ScoreChange.objects.create(
        course=course, student=bob, exercise=coded.exercise, submission=coded, kind="revert", by=carla
    )
    context, _ = item_context(client, course, "softmax-temperature")
    assert context["summary"].scores[bob.pk] == 7


def test_a_choice_item_counts_each_option_first_and_all_answers(client, carla, alice, bob, dan, course):
    answer(course, alice, "gpt-meaning", "pre-answers", 0.0, T0)
    answer(course, alice, "gpt-meaning", "generative", 1.0, T0 + timedelta(minutes=5), attempt=2, credit=0.5)
    answer(course, bob, "gpt-meaning", "generative", 1.0, T0)
    answer(course, dan, "gpt-meaning", "transforms", 0.0, T0)
    client.force_login(carla)
    context, page = item_context(client, course, "gpt-meaning")
    s = context["summary"]
    # Decreasing credit: alice's right second answer counts half.
    assert sorted(s.scores.values()) == [0.0, 0.5, 1.0] and s.full == 1
    assert s.histogram() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    options = context["options"]
    counts = {row.id: (row.first, row.all, row.key) for row in options.rows}
    assert counts == {
        "generative": (1, 2, True),
        "pre-answers": (1, 1, False),
        "transforms": (1, 1, False),
        "general": (0, 0, False),
    }
    assert (options.first_total, options.all_total) == (3, 4)
    assert context["quartiles"] == ["1 min", "2 min", "3 min"]  # between 0 and 5 minutes
    assert (context["reached"].first_try, context["reached"].never) == (1, 1)
    assert 'class="badge key-badge"' in page


def test_a_multiple_choice_item_counts_each_option_and_lists_common_answers(client, carla, alice, bob, course):
    answer(course, alice, "softmax-properties", ["sum-one", "positive"], 0.5, T0)
    answer(course, bob, "softmax-properties", ["positive", "sum-one"], 0.5, T0)
    client.force_login(carla)
    context, _ = item_context(client, course, "softmax-properties")
    counts = {row.id: row.all for row in context["options"].rows}
    assert counts["sum-one"] == 2 and counts["positive"] == 2 and counts["shift"] == 0
    assert context["answers_total"] == 2 and len(context["answers"]) == 2  # two orders, two answers


def test_a_matching_item_counts_each_pair(client, carla, alice, bob, course):
    first = {"query": "looks-for", "key": "offers", "value": "content", "scale": "no-saturation"}
    second = {"query": "offers", "key": "looks-for", "value": "content", "scale": "sum-to-one"}
    answer(course, alice, "attention-qkv", first, 1.0, T0)
    answer(course, bob, "attention-qkv", second, 0.25, T0)
    client.force_login(carla)
    context, _ = item_context(client, course, "attention-qkv")
    matches = context["matches"]
    spec = exercise("attention-qkv").current_version.data["quiz"]
    label = {item["id"]: item["text"]["pt"] for item in spec["left"] + spec["right"]}
    by_left = {row.label: row.choices for row in matches.rows}
    # The options chosen, most first, the key first among equals; an option nobody chose is left out.
    assert by_left[label["query"]] == [(label["looks-for"], 1, True), (label["offers"], 1, False)]
    assert by_left[label["value"]] == [(label["content"], 2, True)]
    assert matches.total == 2
    assert [row.count for row in context["answers"]] == [1, 1]


def rubric_details(concepts, misconceptions=()):
    return {
        "provisional": True,
        "engine": "rubric-1",
        "concepts": list(concepts),
        "misconceptions": list(misconceptions),
    }


def test_a_free_text_item_ranks_missed_concepts_and_stated_misconceptions(client, carla, alice, bob, course):
    slug = "temperature-meaning"
    answer(course, alice, slug, "a", 1.0, T0, details=rubric_details(["divides-logits"], ["inverted"]))
    full = rubric_details(["divides-logits", "high-flatter", "low-peaked"])
    answer(course, alice, slug, "b", 3.0, T0 + timedelta(hours=2), attempt=2, details=full)
    answer(course, bob, slug, "c", 0.0, T0, details=rubric_details(["high-flatter"], ["inverted", "changes-training"]))
    client.force_login(carla)
    context, page = item_context(client, course, slug)
    rubric = context["rubric"]
    assert [(r.id, r.first, r.all) for r in rubric.missed] == [
        ("low-peaked", 2, 2),
        ("divides-logits", 1, 1),
        ("high-flatter", 1, 1),
    ]
    assert [(r.id, r.first, r.all) for r in rubric.matched] == [("inverted", 2, 2), ("changes-training", 1, 1)]
    assert (rubric.first_total, rubric.all_total) == (2, 3)
    assert "answers" not in context  # free text: no list of common answers (each one is its own)
    assert context["quartiles"] == ["2 h 0 min"] * 3
    assert 'id="missed-table"' in page and 'id="matched-table"' in page


def test_short_answers_are_grouped_whatever_their_case_and_spaces(client, carla, alice, bob, dan, course):
    answer(course, alice, "backprop-name", "Retropropagação", 1.0, T0, correct=True)
    answer(course, bob, "backprop-name", "  retropropagação ", 1.0, T0, correct=True)
    answer(course, dan, "backprop-name", "gradiente", 0.0, T0, correct=False)
    client.force_login(carla)
    context, _ = item_context(client, course, "backprop-name")
    assert [(r.text, r.count, r.students, r.right) for r in context["answers"]] == [
        ("Retropropagação", 2, 2, 2),
        ("gradiente", 1, 1, 0),
    ]


def test_an_item_with_no_attempts_says_so_and_draws_no_chart(client, carla, alice, course):
    client.force_login(carla)
    context, page = item_context(client, course, "softmax-temperature")
    assert context["histogram"] is None and context["quartiles"] is None and context["checks"] == []
    assert 'id="no-scores"' in page and "<svg" not in page
    index = client.get(reverse("course_stats", args=[course.slug])).content.decode()
    row = index[index.find('data-item="softmax-temperature"') :][:1500]
    assert "—" in row
    assert "<svg" not in index  # nobody worked on any lesson


# --- completion over time -------------------------------------------------------------------


def test_completion_counts_students_with_a_counted_score_on_every_item_by_day(course, alice, bob, dan):
    items = [exercise("softmax-temperature"), exercise("gpt-meaning")]
    course_lesson = CourseLesson.objects.get(course=course, lesson=items[0].lesson)
    code(course, alice, 4, T0)
    answer(course, alice, "gpt-meaning", "generative", 1.0, T0 + timedelta(days=1))  # done on day 2
    code(course, bob, 10, T0 + timedelta(days=1))
    answer(course, bob, "gpt-meaning", "generative", 1.0, T0 + timedelta(days=3))  # done on day 4
    code(course, dan, 10, T0, late=True)  # late work counts for nothing: never done
    answer(course, dan, "gpt-meaning", "generative", 1.0, T0)
    attempts = stats.load_attempts(course, items)
    today = T0.date() + timedelta(days=10)
    done = stats.completion(course_lesson, items, attempts, 3, today)
    # From the first attempt to the last one.
    assert done.days[0] == T0.date() and done.days[-1] == T0.date() + timedelta(days=3)
    assert done.done == [0, 1, 1, 2]
    assert done.due is None and not done.due_in_range
    # A due date passed after the last attempt extends the days to it; one still ahead does not.
    course_lesson.due_at = T0 + timedelta(days=6)
    assert stats.completion(course_lesson, items, attempts, 3, today).done == [0, 1, 1, 2, 2, 2, 2]
    course_lesson.due_at = T0 + timedelta(days=20)
    ahead = stats.completion(course_lesson, items, attempts, 3, today)
    assert len(ahead.days) == 4 and not ahead.due_in_range

    course_lesson.due_at = T0 + timedelta(days=2)
    done = stats.completion(course_lesson, items, attempts, 3, today)
    assert done.due == T0.date() + timedelta(days=2) and done.due_in_range
    from coursestats import charts

    chart = charts.completion(done)
    assert chart["due"] is not None
    assert "1 (33%)" in chart["caption"]  # one of three done at the due date
    due_rows = [row for row in chart["rows"] if row[3]]
    assert len(due_rows) == 1 and due_rows[0][1] == 1


def test_the_lesson_page_marks_the_due_date_or_says_there_is_none(client, carla, alice, course):
    code(course, alice, 10, T0)
    client.force_login(carla)
    url = reverse("course_stats", args=[course.slug])
    page = client.get(url).content.decode()
    chatgpt = page[page.find('id="lesson-chatgpt"') :]
    chatgpt = chatgpt[: chatgpt.find("</section>")]
    assert "<svg" in chatgpt and 'class="stats-due"' not in chatgpt
    assert "não tem prazo" in chatgpt or "no due date" in chatgpt
    CourseLesson.objects.filter(course=course, lesson__slug="chatgpt").update(due_at=T0 + timedelta(days=1))
    page = client.get(url).content.decode()
    chatgpt = page[page.find('id="lesson-chatgpt"') :]
    assert 'class="stats-due"' in chatgpt[: chatgpt.find("</section>")]
    other = page[page.find('id="lesson-redes-neurais"') :]
    assert "<svg" not in other[: other.find("</section>")]  # nobody worked on it


# --- escaping and the query bound --------------------------------------------------------------


def test_payloads_in_answers_options_and_titles_render_inert(client, carla, alice, bob, course):
    from catalog.models import ExerciseVersion

    course.title = {"pt": HOSTILE, "en": HOSTILE}
    course.save()
    version = exercise("gpt-meaning").current_version
    data = version.data
    data["quiz"]["options"][1]["text"] = {"pt": HOSTILE, "en": HOSTILE}
    data["title"] = {"pt": HOSTILE, "en": HOSTILE}
    ExerciseVersion.objects.filter(pk=version.pk).update(data=data)
    answer(course, alice, "gpt-meaning", "pre-answers", 0.0, T0)
    answer(course, alice, "backprop-name", HOSTILE, 0.0, T0, correct=False)
    matched = rubric_details([], [HOSTILE])  # a misconception id from elsewhere, shown as stored
    answer(course, bob, "temperature-meaning", HOSTILE, 0.0, T0, details=matched)
    client.force_login(carla)
    for url in (
        reverse("course_stats", args=[course.slug]),
        item_url(course, "gpt-meaning"),
        item_url(course, "backprop-name"),
        item_url(course, "temperature-meaning"),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page, url


def test_the_pages_run_the_same_few_queries_for_3_or_300_students(
    client, carla, course, django_user_model, django_assert_max_num_queries
):
    client.force_login(carla)
    code_item, choice, text = exercise("softmax-temperature"), exercise("gpt-meaning"), exercise("temperature-meaning")
    urls = [
        reverse("course_stats", args=[course.slug]),
        item_url(course, code_item.slug),
        item_url(course, choice.slug),
        item_url(course, text.slug),
    ]

    def populate(first: int, count: int):
        users = django_user_model.objects.bulk_create(
            [django_user_model(username=f"s{i:03d}") for i in range(first, first + count)]
        )
        Enrollment.objects.bulk_create([Enrollment(course=course, user=u, role="student") for u in users])
        Submission.objects.bulk_create(
            [
                Submission(
                    course=course,
                    student=u,
                    exercise=code_item,
                    version=code_item.current_version,
                    source="x",
                    status="graded",
                    score=i % 11,
                    max_score=10,
                    report={"checks": [{"name": "stable", "passed": i % 2 == 0, "title": {"pt": "p", "en": "e"}}]},
                )
                for i, u in enumerate(users)
                for _ in range(2)
            ]
        )
        QuizAnswer.objects.bulk_create(
            [
                QuizAnswer(
                    course=course,
                    student=u,
                    exercise=choice,
                    version=choice.current_version,
                    answer="generative" if i % 3 else "general",
                    score=1.0 if i % 3 else 0.0,
                    max_score=1,
                    correct=bool(i % 3),
                )
                for i, u in enumerate(users)
            ]
            + [
                QuizAnswer(
                    course=course,
                    student=u,
                    exercise=text,
                    version=text.current_version,
                    answer="t",
                    score=1,
                    max_score=3,
                    correct=False,
                    provisional=True,
                    details=rubric_details(["high-flatter"], ["inverted"]),
                )
                for u in users
            ]
        )
        ScoreChange.objects.bulk_create(
            [
                ScoreChange(
                    course=course,
                    student=u,
                    exercise=choice,
                    quiz_answer=a,
                    kind="override",
                    new_score=1.0,
                    by=carla,
                )
                for u, a in zip(users, QuizAnswer.objects.filter(student__in=users, exercise=choice), strict=False)
            ][:50]
        )

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            found.append(len(queries))
        return found

    populate(0, 3)
    counts()  # what every page keeps of the course and its items (courses.course_index), read once
    small = counts()
    populate(3, 297)
    assert Enrollment.objects.filter(course=course, role="student").count() == 300
    assert counts() == small, small
    for url, pinned in zip(urls, (9, 6, 6, 6), strict=True):
        with django_assert_max_num_queries(pinned):
            response = client.get(url)
        assert response.status_code == 200
    page = client.get(item_url(course, choice.slug)).content.decode()
    assert "300" in page
