"""Every staff URL of the site, found by walking the URL patterns, is closed to students, to another
course's staff and to visitors: a page added later without the access check fails here."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

SAMPLE = {
    "course_slug": "nn",
    "lesson_slug": "chatgpt",
    "exercise_slug": "softmax-temperature",
    "kind": "submission",
}


def _staff_patterns(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _staff_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and "staff/" in prefix + str(entry.pattern) and entry.name:
            yield entry


def _url(entry) -> str:
    kwargs = {}
    for name, converter in entry.pattern.converters.items():
        kwargs[name] = SAMPLE.get(name, 1) if converter.regex != "[0-9]+" else 1
    return reverse(entry.name, kwargs=kwargs)


def test_the_walk_finds_the_staff_pages():
    names = {entry.name for entry in _staff_patterns()}
    for expected in ("gradebook", "gradebook_csv", "review_queue", "similarity", "operations", "course_settings"):
        assert expected in names, expected
    assert len(names) >= 20


def test_no_staff_url_opens_for_a_student_another_courses_staff_or_a_visitor(client, course, alice, dave, carla):
    urls = sorted({_url(entry) for entry in _staff_patterns()})
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for user in (alice, dave):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code in (404, 405), (user.username, url)
            assert client.post(url).status_code in (404, 405), (user.username, url)
    # The course's own instructor is let in (a page may still say 404 for a sample id that does not exist).
    client.force_login(carla)
    opened = [url for url in urls if client.get(url).status_code == 200]
    assert len(opened) >= 8, opened
