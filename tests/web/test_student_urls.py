"""Every URL of the site, found by walking the URL patterns, keeps one student's work from everyone else.

Alice has real work in the course: two attempts at a coding exercise (a unique marker in the
source, the output and the traceback), a draft, a written answer, a wrong numeric answer that
brought her new numbers, and a regrade request. Bob (her classmate), Olga (a student of another
course), Dave (who teaches that other course) and a visitor then open every page of the site
with her ids and slugs, by GET and by POST, with her ids in the query string and in the form
too; none of them gets a page that holds any of it.

Each URL pattern must be classified below. A pattern added later without a class fails
`test_every_url_pattern_is_classified`, so it cannot skip the walk.
"""

from __future__ import annotations

import itertools
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from courses.models import Enrollment
from grader import progress
from review import services as review_services
from review.models import RegradeRequest
from submissions import services
from submissions.models import Draft, HintReveal, QuizAnswer, Submission
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db

CODE = "softmax-temperature"
WRITTEN = "temperature-meaning"
NUMERIC = "softmax-probability"

# Reachable by anyone (they hold nothing of a student's): checked only for what they show.
PUBLIC = {
    "login",
    "logout",
    "signup",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "health",
    "metrics",
}
# The requester's own: found through their own account or enrollment, never through an id of
# someone else's. With a course in the address, someone outside that course gets 404.
OWN = {
    "home",
    "courses",
    "join_course",
    "new_course",
    "password_change",
    "password_change_done",
    "leave_course",
    "course",
    "lesson",
    "lesson_due",
    "exercise",
    "exercise_hint",
    "exercise_draft",
    "exercise_draft_discard",
    "compare_attempts",
    "ask_regrade",
}
# An id of one student's object in the address: only its author (and the course's staff) may open it.
OBJECT = {"submission", "submission_status"}
# Staff pages (a course's staff only): tests/web/test_staff_urls.py walks them; here Bob tries
# them with Alice's real ids as well.
STAFF_MARK = "staff/"
# Django's admin: is_staff accounts only (no instructor is one: tests/web/test_accounts.py).
ADMIN_NAMESPACE = "admin"
ADMIN_PUBLIC = {"login", "logout"}


def _walk(patterns=None, prefix="", namespace=None):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield namespace, entry, prefix + str(entry.pattern)


def _site_patterns() -> dict[str, tuple[str, URLPattern]]:
    """{name: (route, pattern)} outside the admin (login and logout are listed twice, the same views)."""
    found = {}
    for namespace, entry, route in _walk():
        if namespace == ADMIN_NAMESPACE:
            continue
        assert entry.name, f"an unnamed URL pattern cannot be classified: {route}"
        found[entry.name] = (route, entry)
    return found


def _kwarg_names(entry: URLPattern) -> list[str]:
    return list(entry.pattern.converters) or list(entry.pattern.regex.groupindex)


def test_every_url_pattern_is_classified():
    unclassified = []
    patterns = _site_patterns()
    for name, (route, _entry) in patterns.items():
        if STAFF_MARK in route:
            assert name not in PUBLIC | OWN | OBJECT, f"{name} is a staff page: do not list it as a student's"
        elif name not in PUBLIC | OWN | OBJECT:
            unclassified.append(f"{name} ({route})")
    stale = sorted((PUBLIC | OWN | OBJECT) - set(patterns))
    assert not unclassified, (
        "new URL patterns: say who may open them (PUBLIC, OWN or OBJECT above) so the walk tries them: "
        + ", ".join(unclassified)
    )
    assert not stale, f"classified but gone: {stale}"
    # Every address that names a student's object by a number is an OBJECT (or a staff page).
    for name, (route, entry) in patterns.items():
        ints = [k for k, c in entry.pattern.converters.items() if c.regex == "[0-9]+"]
        if ints and STAFF_MARK not in route:
            assert name in OBJECT, f"{name} ({route}) takes an id: classify it as OBJECT"


@pytest.fixture
def budgets(redis_server, settings):
    """A real Redis counts polls and draft saves; every test starts with none counted."""
    settings.REDIS_URL = redis_server.url
    redis = progress.client(redis_server.url)
    for key in redis.scan_iter("ratelimit:*"):
        redis.delete(key)


class AlicesWork:
    """Alice's real objects, and the strings that would give any of them away."""

    def __init__(self, alice, course):
        enrollment = enrollment_of(alice, course)
        self.code_mark = "alicecodemark7Q3"
        self.second_mark = "alicesecondmark9K2"
        self.output_mark = "aliceoutputmark4T8"
        self.trace_mark = "alicetracemark5V1"
        self.draft_mark = "alicedraftmark2W6"
        self.answer_mark = "aliceanswermark8R4"
        self.regrade_mark = "aliceregrademark3P7"
        first = services.submit_code(enrollment, exercise(CODE), SOLUTION + f"\n# {self.code_mark}\n")
        # Graded, as the results consumer would store it (this test runs no worker).
        first.status = Submission.Status.GRADED
        first.score, first.max_score = 4.0, 10
        first.report = {
            "status": "graded",
            "checks": [{"name": "shapes", "title": {"en": "Shapes"}, "passed": True, "score": 4, "max_score": 10}],
            "stdout": f"printed {self.output_mark}",
            "traceback": f"Traceback: {self.trace_mark}",
            "private": {"seed": 424242, "failures": []},
        }
        first.save()
        second = services.submit_code(enrollment, exercise(CODE), SOLUTION + f"\n# {self.second_mark}\n")
        self.submissions = [first, second]
        self.draft = Draft.objects.create(
            course=course, student=alice, exercise=exercise(CODE), source=f"# {self.draft_mark}\n"
        )
        text = f"A temperatura divide os logits antes da softmax e deixa tudo mais plano {self.answer_mark}."
        self.answer = services.answer_quiz(enrollment, exercise(WRITTEN), text)
        # A wrong number: the item brings her new numbers (another variant than Bob's first).
        self.numeric = services.answer_quiz(enrollment, exercise(NUMERIC), "0.5")
        assert services.quiz_state(enrollment, exercise(NUMERIC)).variant >= 1
        review_services.request_regrade(enrollment, first, f"Please look again {self.regrade_mark}")

    @property
    def ids(self) -> list[int]:
        return [s.pk for s in self.submissions] + [self.answer.pk, self.numeric.pk]

    def snapshot(self) -> tuple:
        """What must not change whoever opens what."""
        return (
            list(Submission.objects.filter(student__username="alice").values_list("pk", "source", "status")),
            list(Draft.objects.filter(student__username="alice").values_list("source", "updated_at")),
            list(QuizAnswer.objects.filter(student__username="alice").values_list("pk", "answer", "score")),
            list(RegradeRequest.objects.filter(student__username="alice").values_list("pk", "message")),
            HintReveal.objects.filter(student__username="alice").count(),
            Enrollment.objects.filter(user__username="alice").count(),
        )


def _numbers_table(page: str) -> str:
    """The prompt's logits, token by token: the per-student numbers of a generated item."""
    match = re.search(r"<strong>([^<]*gato[^<]*)</strong>", page)
    assert match, "the numeric item shows its numbers"
    return match.group(1)


@pytest.fixture
def work(alice, course, budgets, client):
    work = AlicesWork(alice, course)
    # The markers are there for Alice to see: a leak of any of them would be caught.
    client.force_login(alice)
    first = client.get(reverse("submission", args=[work.submissions[0].pk])).content.decode()
    for mark in (work.code_mark, work.output_mark, work.regrade_mark):
        assert mark in first, mark
    assert work.second_mark in client.get(reverse("submission", args=[work.submissions[1].pk])).content.decode()
    status = client.get(reverse("submission_status", args=[work.submissions[0].pk])).content.decode()
    assert work.output_mark in status and work.trace_mark in status
    assert work.draft_mark in client.get(reverse("exercise", args=[course.slug, CODE])).content.decode()
    assert work.answer_mark in client.get(reverse("exercise", args=[course.slug, WRITTEN])).content.decode()
    work.numbers = _numbers_table(client.get(reverse("exercise", args=[course.slug, NUMERIC])).content.decode())
    client.logout()
    return work


def _samples(work, course) -> dict[str, list]:
    lesson = exercise(CODE).lesson.slug
    assert {exercise(WRITTEN).lesson.slug, exercise(NUMERIC).lesson.slug} == {lesson}
    return {
        "course_slug": [course.slug],
        "lesson_slug": [lesson],
        "exercise_slug": [CODE, WRITTEN, NUMERIC],
        "submission_id": [s.pk for s in work.submissions],
        "kind": ["submission", "answer"],
        "pk": [work.submissions[0].pk, work.answer.pk],
    }


def _urls(entry: URLPattern, samples: dict[str, list], staff: bool = False) -> list[str]:
    names = _kwarg_names(entry)
    missing = [name for name in names if name not in samples]
    # A student's page with a new kind of id needs Alice's own object of that kind here.
    assert staff or not missing, f"{entry.name}: give the walk a sample of Alice's for {missing}"
    # Staff pages also name their own objects (regrades, similarity pairs): any number will do.
    samples = {**samples, **{name: [1] for name in missing}}
    values = [samples[name] for name in names]
    combos = itertools.product(*values)
    return sorted({reverse(entry.name, kwargs=dict(zip(names, combo, strict=True))) for combo in combos})


def _queries(work) -> list[str]:
    """Alice's ids wherever a page reads one from the query string (?load=, ?a= and ?b=, ...)."""
    first, second = work.submissions
    return [
        "",
        f"?load={first.pk}&a={first.pk}&b={second.pk}",
        f"?load={second.pk}&b={second.pk}",
        f"?item={work.answer.pk}&load={work.answer.pk}",
    ]


def _forms(work) -> list[dict]:
    """Alice's ids wherever a form carries one (a regrade's item), with the fields other forms read."""
    return [
        {"item": str(item), "message": "Bob asks", "source": "print('bob')", "answer": "0.1", "clear": "1"}
        for item in work.ids
    ]


DRAFT_BODY = json.dumps({"source": "# bob"})


def _leaks(work, response) -> list[str]:
    text = response.content.decode(errors="replace") + response.get("Location", "")
    marks = [
        work.code_mark,
        work.second_mark,
        work.output_mark,
        work.trace_mark,
        work.draft_mark,
        work.answer_mark,
        work.regrade_mark,
        work.numbers,
    ]
    return [mark for mark in marks if mark in text]


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.fixture
def olga(django_user_model, other_course):
    user = django_user_model.objects.create_user(username="olga", password="olga-pass-123")
    Enrollment.objects.create(course=other_course, user=user, role="student")
    return user


def _visit(client, user, url: str, work, expect, rejoin=None) -> int:
    """GET and POST `url` (with Alice's ids in the query and the form); `expect` judges each answer."""
    count = 0
    for query in _queries(work):
        address = url + query
        requests = [("GET", lambda address=address: client.get(address))]
        requests += [("POST", lambda address=address, form=form: client.post(address, form)) for form in _forms(work)]
        requests.append(("POST json", lambda address=address: client.post(address, DRAFT_BODY, "application/json")))
        for method, send in requests:
            response = send()
            who = user.username if user else "visitor"
            assert response.status_code < 500, (who, method, url + query, response.status_code)
            assert not _leaks(work, response), (who, method, url + query, _leaks(work, response))
            assert expect(response), (who, method, url + query, response.status_code, response.get("Location"))
            count += 1
            if rejoin is not None and not Enrollment.objects.filter(user=user, course=rejoin).exists():
                # "Leave the course" worked, on his own enrollment: he comes back for the rest.
                Enrollment.objects.create(course=rejoin, user=user, role=Enrollment.STUDENT)
    return count


def _open_public(client, work, public: dict, samples: dict) -> None:
    for entry in public.values():
        for url in _urls(entry, {**samples, "uidb64": ["MQ"], "token": ["set-password"]}):
            response = client.get(url)
            assert response.status_code < 500 and not _leaks(work, response), url


def test_no_url_of_the_site_shows_alices_work_to_anyone_else(client, work, course, alice, bob, olga, dave):
    before = work.snapshot()
    samples = _samples(work, course)
    patterns = _site_patterns()
    student = {name: entry for name, (route, entry) in patterns.items() if name in OWN | OBJECT}
    public = {name: entry for name, (route, entry) in patterns.items() if name in PUBLIC and name != "logout"}
    staff = {name: entry for name, (route, entry) in patterns.items() if STAFF_MARK in route}
    visited = 0

    # A visitor: every student page sends them to log in; the public ones show nothing of hers.
    for _name, entry in sorted(student.items()):
        for url in _urls(entry, samples):
            visited += _visit(client, None, url, work, _login_redirect)
    _open_public(client, work, public, samples)

    # Olga (a student elsewhere) and Dave (staff elsewhere): nothing of this course opens.
    def outside(response):
        return response.status_code in (403, 404, 405)

    for user in (olga, dave):
        client.force_login(user)
        for _name, entry in sorted(student.items()):
            for url in _urls(entry, samples):
                if _kwarg_names(entry):
                    visited += _visit(client, user, url, work, outside)
                else:
                    visited += _visit(client, user, url, work, lambda response: True)

    # Bob, her classmate: his own pages are his own; her objects read as missing; no staff page opens.
    client.force_login(bob)
    own_numbers = _numbers_table(client.get(reverse("exercise", args=[course.slug, NUMERIC])).content.decode())
    assert own_numbers != work.numbers, "Bob's numbers differ from Alice's, so hers would show if they leaked"
    for name, entry in sorted(student.items(), key=lambda item: item[0] == "leave_course"):
        for url in _urls(entry, samples):
            if name in OBJECT:
                visited += _visit(client, bob, url, work, outside, rejoin=course)
            else:
                visited += _visit(client, bob, url, work, lambda response: True, rejoin=course)
    for name, entry in sorted(staff.items()):
        for url in _urls(entry, samples, staff=True):
            for response in (client.get(url), client.post(url, _forms(work)[0])):
                assert response.status_code in (404, 405) and not _leaks(work, response), (name, url)
    _open_public(client, work, public, samples)

    assert visited > 500
    assert work.snapshot() == before, "someone else's request changed Alice's work"
    # Bob's own posts went where they belong: to him.
    assert Submission.objects.filter(student=bob).exists() and QuizAnswer.objects.filter(student=bob).exists()
    assert not Submission.objects.filter(student=alice).exclude(pk__in=[s.pk for s in work.submissions]).exists()
    assert not RegradeRequest.objects.exclude(student=alice).filter(submission__student=alice).exists()


def test_the_admin_sends_students_and_visitors_to_its_login(client, work, bob):
    user_model = get_user_model()
    assert not user_model.objects.filter(is_staff=True).exists()
    kwargs = {
        "object_id": str(work.submissions[0].pk),
        "id": str(bob.pk),
        "content_type_id": "1",
        "app_label": "submissions",
    }
    urls = []
    for namespace, entry, _route in _walk():
        if namespace != ADMIN_NAMESPACE or not entry.name or entry.name in ADMIN_PUBLIC:
            continue
        names = _kwarg_names(entry)
        urls.append(reverse(f"admin:{entry.name}", kwargs={name: kwargs[name] for name in names}))
    assert len(urls) > 50
    for user in (None, bob):
        if user:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert not _leaks(work, response), url
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), (
                url,
                response.status_code,
            )
