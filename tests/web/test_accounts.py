"""A student on their own: sign up, join and leave a course with its code, change and reset the password."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from courses.models import Course, Enrollment, normalize_join_code

pytestmark = pytest.mark.django_db
STRONG = "rede-neural-42-perceptron"


def _signup(client, username="nova", email="nova@example.com", password=STRONG, again=None):
    data = {"username": username, "email": email, "password1": password, "password2": again or password}
    return client.post(reverse("signup"), data)


def test_a_new_student_signs_up_is_logged_in_and_asked_for_a_course_code(client, course):
    response = _signup(client)
    assert response.status_code == 302 and response.url == reverse("courses")
    page = client.get(reverse("courses")).content.decode()
    assert "Bem-vindo(a)!" in page and "Entrar em um curso" in page and "ainda não está matriculado" in page
    user = get_user_model().objects.get(username="nova")
    assert user.email == "nova@example.com" and not user.is_staff and user.check_password(STRONG)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "12345678"}, "muito comum"),
        ({"password": "82736451"}, "inteiramente numérica"),
        ({"password": "abc"}, "muito curta"),
        ({"again": STRONG + "x"}, "não correspondem"),
        ({"email": "not-an-email"}, "email válido"),
        ({"username": "alice"}, "já existe"),
    ],
)
def test_sign_up_refuses_what_djangos_validators_refuse_and_keeps_what_was_typed(client, alice, data, message):
    response = _signup(client, **data)
    page = response.content.decode()
    assert response.status_code == 200 and message in page, page[page.find("error") - 200 : page.find("error") + 300]
    assert 'value="nova"' in page or data.get("username") == "alice"
    assert not get_user_model().objects.filter(username="nova").exists()


def test_an_e_mail_already_used_is_refused(client, alice):
    alice.email = "alice@example.com"
    alice.save()
    page = _signup(client, email="ALICE@example.com").content.decode()
    assert "Já existe uma conta com este e-mail" in page


def test_a_student_joins_with_the_code_typed_loosely_and_leaves(client, course):
    _signup(client)
    code = course.join_code_display.lower().replace("-", " ")  # as typed on a phone
    response = client.post(reverse("join_course"), {"code": code})
    assert response.status_code == 302 and response.url == reverse("course", args=[course.slug])
    user = get_user_model().objects.get(username="nova")
    assert Enrollment.objects.get(user=user, course=course).role == Enrollment.STUDENT
    # Joining twice changes nothing; one course only: home goes straight into it.
    client.post(reverse("join_course"), {"code": course.join_code})
    assert Enrollment.objects.filter(user=user).count() == 1
    assert client.get(reverse("home")).url == reverse("course", args=[course.slug])
    page = client.get(reverse("course", args=[course.slug])).content.decode()
    assert 'id="leave-course"' in page and course.join_code_display not in page  # students never see the code
    client.post(reverse("leave_course", args=[course.slug]))
    assert not Enrollment.objects.filter(user=user).exists()
    assert client.get(reverse("course", args=[course.slug])).status_code == 404


def test_a_wrong_code_says_so_keeps_it_and_enrolls_nobody(client, alice, course):
    client.force_login(alice)
    response = client.post(reverse("join_course"), {"code": "ZZZZ-ZZZZ"})
    page = response.content.decode()
    assert response.status_code == 400 and "Nenhum curso tem este código" in page and 'value="ZZZZ-ZZZZ"' in page
    assert Enrollment.objects.filter(user=alice).count() == 1


def test_the_instructor_sees_the_code_and_cannot_leave_by_mistake(client, carla, course):
    client.force_login(carla)
    page = client.get(reverse("course", args=[course.slug])).content.decode()
    assert course.join_code_display in page and 'id="leave-course"' not in page
    client.post(reverse("leave_course", args=[course.slug]))
    assert Enrollment.objects.filter(user=carla, course=course).exists()


def test_every_course_gets_a_code_that_reads_unambiguously():
    codes = {Course.objects.create(slug=f"c{n}", title={"pt": "C", "en": "C"}).join_code for n in range(30)}
    assert len(codes) == 30 and all(re.fullmatch(r"[A-HJKMNP-RT-Y346789]{8}", code) for code in codes)
    assert normalize_join_code(" abcd-efgh ") == "ABCDEFGH"


def test_a_forgotten_password_is_reset_through_the_e_mailed_link(client, alice):
    alice.email = "alice@example.com"
    alice.save()
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1 and "Redefina sua senha" in mail.outbox[0].subject
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Escolha uma nova senha" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG}, follow=True)
    assert "Sua nova senha está definida" in done.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(STRONG)
    # The link works once.
    assert "não vale mais" in client.get(link, follow=True).content.decode()


def test_an_unknown_e_mail_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert "Confira seu e-mail" in response.content.decode() and len(mail.outbox) == 0


def test_a_student_changes_the_password(client, alice):
    client.force_login(alice)
    data = {"old_password": "alice-pass-123", "new_password1": STRONG, "new_password2": STRONG}
    response = client.post(reverse("password_change"), data, follow=True)
    assert "Sua senha foi trocada" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(STRONG)


def test_the_demo_accounts_teach_on_the_site_not_in_the_admin(catalog, settings, tmp_path):
    """The demo instructor needs no admin: neither demo account is staff, even one made staff before."""
    from django.core.management import call_command
    from django.test import Client

    settings.VAR_DIR = tmp_path
    User = get_user_model()
    User.objects.create_user(username="professora", password="x", is_staff=True)
    call_command("seed_demo", stdout=io.StringIO())
    demo = User.objects.filter(username__in=["aluna", "professora"])
    assert demo.count() == 2 and not demo.filter(is_staff=True).exists()
    teacher = Enrollment.objects.get(user__username="professora")
    assert teacher.role == Enrollment.INSTRUCTOR
    client = Client()
    client.force_login(teacher.user)
    assert client.get(reverse("course", args=[teacher.course.slug])).status_code == 200
    admin = client.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin.url
