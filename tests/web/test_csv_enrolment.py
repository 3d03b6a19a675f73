"""Enrolment by CSV upload: all or nothing, each rejected row with its line and why, new accounts
mailed a link to choose a password, a huge file refused by its row count before anything else."""

import csv
from smtplib import SMTPException
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from courses import mail as welcome
from courses import roster
from courses.models import Course, Enrollment

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def small_course(db):
    """A course without lessons: the roster needs no catalog (and the catalog takes seconds to load)."""
    return Course.objects.create(slug="turma", title={"pt": "Turma", "en": "Class"})


@pytest.fixture
def teacher(small_course):
    user = User.objects.create_user("carla", email="carla@example.com", password="carla-pass-123")
    Enrollment.objects.create(course=small_course, user=user, role=Enrollment.INSTRUCTOR)
    return user


@pytest.fixture(autouse=True)
def in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _upload(client, course, data: bytes, name="turma.csv"):
    return client.post(
        reverse("enrol_csv", args=[course.slug]), {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    )


def _counts():
    return User.objects.count(), Enrollment.objects.count()


GOOD = (
    "username,email,first_name,last_name,role\n"
    "ana,ana@example.com,Ana,Souza,\n"
    "beto,beto@example.com,Beto,<script>alert(1)</script>,student\n"
    "caio,caio@example.com,Caio,Lima,assistant\n"
    "carla,carla@example.com,Carla,,instructor\n"
)


def test_a_good_file_with_a_bom_creates_and_enrols_and_mails_a_password_link(client, small_course, teacher):
    existing = User.objects.create_user("beto", email="BETO@example.com", password="x-pass-123")
    client.force_login(teacher)
    with mock.patch("config.celery.app.send_task", autospec=True) as send:
        response = _upload(client, small_course, b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    page = response.content.decode()
    # The request only publishes one task for the background worker (queue `bulk`), with ids, not mails.
    assert send.call_count == 1 and not mail.outbox
    (task,), kwargs = send.call_args
    assert task == "courses.send_welcome_mail" and kwargs["queue"] == "bulk"
    course_id, user_ids, base_url, language = kwargs["args"]
    new = User.objects.filter(username__in=["ana", "caio"])
    assert course_id == small_course.pk and sorted(user_ids) == sorted(u.pk for u in new)
    assert base_url == "http://testserver/" and language == "en"
    assert 'data-state="queued"' in page and "on their way to the 2 new accounts" in page
    # What the worker then runs.
    assert welcome.send_now(*kwargs["args"]) == 2
    assert response.status_code == 200 and 'id="csv-ok"' in page
    assert "2 new accounts created" in page and "1 existing accounts enrolled" in page and "1 already" in page
    # Names render as text, never as markup.
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    ana = User.objects.get(username="ana")
    assert not ana.has_usable_password() and (ana.first_name, ana.last_name) == ("Ana", "Souza")
    roles = dict(Enrollment.objects.filter(course=small_course).values_list("user__username", "role"))
    assert roles == {"ana": "student", "beto": "student", "caio": "assistant", "carla": "instructor"}
    assert Enrollment.objects.get(user=existing).role == "student"
    # One mail per new account, with a working reset link; none for existing accounts.
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "caio@example.com"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).strip()
    assert client.get(link.split("testserver", 1)[1], follow=True).status_code == 200
    assert "Class" in mail.outbox[0].subject or "Turma" in mail.outbox[0].subject
    # The mail names the account it opens (the username was once lost in the template).
    ana_mail = next(m for m in mail.outbox if m.to[0] == "ana@example.com")
    assert "ana." in ana_mail.body and "usuário ." not in ana_mail.body and "username ." not in ana_mail.body


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("username,email\njoão,joao@example.com\n".encode("latin-1"), "not UTF-8"),
        (b"username,first_name\nana,Ana\n", "missing: email"),
        (b"username,email,emial\nana,ana@example.com,x\n", "unknown columns: emial"),
        (b"username,email\nana,ana@example.com\nana,outra@example.com\n", "Line 3: the username repeats line 2"),
        (b"username,email\nana,ana@example.com\nbia,ANA@example.com\n", "Line 3: the e-mail address repeats line 2"),
        (b"username,email\nana,not-an-address\n", "Line 2: “not-an-address” is not an e-mail"),
        (b"username,email,role\nana,ana@example.com,chefe\n", "Line 2: unknown role"),
        (b"username,email\nana,ana@example.com,extra\n", "Line 2: 3 fields"),
        (b"username,email\nana lu,ana@example.com\n", "Line 2: the username"),
        (b"", "the file is empty"),
    ],
)
def test_a_wrong_file_imports_nothing_and_says_which_line_and_why(client, small_course, teacher, data, says):
    client.force_login(teacher)
    # A good row first: it must not be imported either.
    if data.startswith(b"username,email\n"):
        data = data.replace(b"username,email\n", b"username,email\nzeca,zeca@example.com\n", 1)
        says = says.replace("Line 3", "Line 4").replace("line 2", "line 3").replace("Line 2", "Line 3")
    before = _counts()
    response = _upload(client, small_course, data)
    page = response.content.decode()
    assert response.status_code == 400 and 'id="csv-refused"' in page and "Nothing was imported" in page
    assert says in page
    assert _counts() == before and not mail.outbox


def test_a_file_that_clashes_with_existing_accounts_imports_nothing(client, small_course, teacher):
    User.objects.create_user("dora", email="dora@example.com")
    client.force_login(teacher)
    before = _counts()
    data = b"username,email\nnovo,novo@example.com\ndora,outra@example.com\nzeca,dora@example.com\n"
    page = _upload(client, small_course, data).content.decode()
    assert "Line 3: the account “dora” exists with another e-mail address" in page
    assert "Line 4: the e-mail address belongs to another account (dora)" in page
    assert _counts() == before


def test_only_the_first_200_errors_are_listed_then_a_count(client, small_course, teacher):
    client.force_login(teacher)
    data = "username,email\n" + "".join(f"u{i},bad{i}\n" for i in range(250))
    page = _upload(client, small_course, data.encode()).content.decode()
    assert page.count("is not an e-mail") == 200 and "…and 50 more problems." in page


def test_a_100000_row_file_is_refused_by_the_row_cap_before_the_rest_is_read(client, small_course, teacher):
    # The last line is a field over the csv module's size limit: read, it would make the file "not
    # valid CSV". Refused for its rows instead, the reader stopped at the cap (no clock involved).
    rows = "".join(f"user{i},user{i}@example.com\n" for i in range(100_000)).encode()
    unreadable = b"x" * (csv.field_size_limit() + 1) + b",x@example.com\n"
    with translation.override("en"):
        parsed, errors = roster.read_roster(b"username,email\n" + rows + unreadable)
        assert "not valid CSV" in roster.read_roster(b"username,email\n" + unreadable)[1][0].message
    assert parsed == [] and len(errors) == 1 and "more than 5000 rows" in errors[0].message
    # Through the page (short rows, to stay under the request size limit): refused, nothing imported.
    client.force_login(teacher)
    before = _counts()
    response = _upload(client, small_course, b"username,email\n" + b"a,a@b.co\n" * 100_000)
    assert response.status_code == 400 and "more than 5000 rows" in response.content.decode()
    assert _counts() == before


def test_exactly_5000_rows_are_accepted(small_course):
    data = "username,email\n" + "".join(f"s{i},s{i}@example.com\n" for i in range(5000))
    result = roster.import_roster(small_course, data.encode())
    assert result.ok and len(result.created) == 5000, result.errors[:3]
    assert Enrollment.objects.filter(course=small_course).count() == 5000


def test_a_file_over_the_request_size_limit_is_refused(client, small_course, teacher, settings):
    client.force_login(teacher)
    before = _counts()
    big = b"username,email\n" + b"a" * (settings.MAX_REQUEST_BYTES + 10)
    response = _upload(client, small_course, big)
    assert response.status_code == 413
    assert _counts() == before


def test_students_teaching_assistants_and_outsiders_get_404(client, small_course, teacher):
    for role in ("student", "assistant"):
        user = User.objects.create_user(f"x-{role}")
        Enrollment.objects.create(course=small_course, user=user, role=role)
        client.force_login(user)
        assert _upload(client, small_course, GOOD.encode()).status_code == 404
    client.force_login(User.objects.create_user("outsider"))
    assert _upload(client, small_course, GOOD.encode()).status_code == 404
    assert not User.objects.filter(username="ana").exists()


def test_with_the_broker_down_the_request_sends_the_mails_itself(client, small_course, teacher):
    from kombu.exceptions import OperationalError

    client.force_login(teacher)
    with mock.patch("config.celery.app.send_task", side_effect=OperationalError("down")):
        page = _upload(client, small_course, GOOD.encode("utf-8")).content.decode()
    assert 'data-state="sent"' in page and "Each of the 3 new accounts was sent an e-mail" in page
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "beto@example.com", "caio@example.com"]


def test_with_broker_and_mail_server_down_the_roster_stays_and_the_page_says_what_to_do(client, small_course, teacher):
    from kombu.exceptions import OperationalError

    client.force_login(teacher)
    with (
        mock.patch("config.celery.app.send_task", side_effect=OperationalError("down")),
        mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=SMTPException("no")),
    ):
        response = _upload(client, small_course, GOOD.encode("utf-8"))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-state="failed"' in page and "Forgot your password?" in page
    assert Enrollment.objects.filter(course=small_course).count() == 4  # nothing lost
