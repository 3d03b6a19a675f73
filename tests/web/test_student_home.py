"""A student in two courses picks one; the site's own log-out form ends the session; dates in the locale's format."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from courses.models import CourseLesson, Enrollment

pytestmark = pytest.mark.django_db


def test_a_student_in_two_courses_sees_both_and_picks_one(client, alice, course, other_course):
    Enrollment.objects.create(course=other_course, user=alice, role=Enrollment.STUDENT)
    client.force_login(alice)
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("courses")  # no course chosen for her
    page = client.get(home["Location"]).content.decode()
    links = dict((unescape(title), href) for href, title in re.findall(r'<li><a href="(/c/[^"]+/)">([^<]+)</a>', page))
    assert links == {"Redes neurais": reverse("course", args=["nn"]), "Outro": reverse("course", args=["other"])}
    # Each opens its own dashboard.
    picked = client.get(links["Outro"])
    assert picked.status_code == 200 and picked.context["course"] == other_course
    picked = client.get(links["Redes neurais"])
    assert picked.status_code == 200 and picked.context["course"] == course


def test_a_student_in_one_course_goes_straight_in(client, alice, course):
    client.force_login(alice)
    assert client.get(reverse("home"))["Location"] == reverse("course", args=[course.slug])


def test_the_log_out_form_of_every_page_ends_the_session(alice, course):
    browser = Client(enforce_csrf_checks=True)  # as a browser: the form must carry its token
    browser.force_login(alice)
    page = browser.get(reverse("course", args=[course.slug])).content.decode()
    topbar = page[page.index('<header class="topbar">') : page.index("</header>")]
    forms = re.findall(r'<form action="([^"]+)" method="post"[^>]*>(.*?)</form>', topbar, re.S)
    logout = [(action, body) for action, body in forms if action == reverse("logout")]
    assert len(logout) == 1, forms
    action, body = logout[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    response = browser.post(action, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == reverse(settings.LOGOUT_REDIRECT_URL)
    assert "_auth_user_id" not in browser.session
    # The course is closed to this browser now: back to the login page.
    after = browser.get(reverse("course", args=[course.slug]))
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))
    # The old session cookie, kept by someone, opens nothing either: the session is gone on the server.
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = cookie
    again = stolen.get(reverse("course", args=[course.slug]))
    assert again.status_code == 302 and again["Location"].startswith(reverse("login"))
    # Logging out is a POST: a link (GET) to the address does nothing.
    browser.force_login(alice)
    assert browser.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in browser.session


def test_dates_are_day_first_in_portuguese_and_month_first_in_english(client, alice, course):
    lesson = CourseLesson.objects.filter(course=course).select_related("lesson").first()
    # A day over 12, so the two orders cannot be mistaken for each other.
    lesson.due_at = datetime(2031, 3, 17, 14, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
    lesson.save()
    client.force_login(alice)
    urls = [reverse("course", args=[course.slug]), reverse("lesson", args=[course.slug, lesson.lesson.slug])]
    for url in urls:
        page = client.get(url).content.decode()  # pt-BR: the site's default
        assert "17/03/2031 14:30" in page, url
        assert "03/17/2031" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in urls:
        page = client.get(url).content.decode()
        assert "03/17/2031" in page, url
        assert "17/03/2031" not in page
