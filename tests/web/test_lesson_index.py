"""What item pages keep between requests: a lesson's item list (catalog.lesson_index) and
rendered Markdown (catalog.rendering). Each must change as soon as the content does, in this
process and in any other."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import lesson_index
from catalog.models import Exercise, Lesson
from catalog.rendering import render_author_markdown
from courses.models import Course

pytestmark = pytest.mark.django_db


def _items_of(lesson):
    return list(Exercise.objects.filter(lesson=lesson, active=True))


def _view(client, course, slug):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("exercise", args=[course.slug, slug])).content.decode()
    return page, len(queries)


def test_an_item_page_reads_its_lessons_list_once_then_keeps_it(client, alice, course):
    first, second = _items_of(Exercise.objects.get(slug="softmax-temperature").lesson)[:2]
    client.force_login(alice)
    _view(client, course, second.slug)  # what courses.course_index keeps is kept from here on
    lesson_index.forget()
    _, cold = _view(client, course, second.slug)
    page, warm = _view(client, course, second.slug)
    assert warm == cold - 1
    assert f'rel="prev" href="/c/{course.slug}/e/{first.slug}/"' in page


def test_a_change_saved_in_another_process_shows_on_the_next_page(client, alice, course):
    """Another process's save bumps the lesson's revision in the database (its signal); this
    process, which never saw the save, reads the list again because the number moved."""
    lesson = Exercise.objects.get(slug="softmax-temperature").lesson
    first, second, third = _items_of(lesson)[:3]
    client.force_login(alice)
    page, _ = _view(client, course, first.slug)
    assert f'rel="next" href="/c/{course.slug}/e/{second.slug}/"' in page
    # What the other process leaves in the database: no signal runs here, so nothing is forgotten.
    Exercise.objects.filter(pk=second.pk).update(active=False)
    page, _ = _view(client, course, first.slug)
    assert f'rel="next" href="/c/{course.slug}/e/{second.slug}/"' in page  # kept: the revision did not move
    # The other process's signals also give the lesson's courses a new revision (courses.course_index).
    Lesson.objects.filter(pk=lesson.pk).update(revision=F("revision") + 1)
    page, _ = _view(client, course, first.slug)
    assert f'rel="next" href="/c/{course.slug}/e/{second.slug}/"' in page  # the lesson row is the kept one
    Course.objects.filter(pk=course.pk).update(revision=F("revision") + 1)
    page, _ = _view(client, course, first.slug)
    assert f'rel="next" href="/c/{course.slug}/e/{third.slug}/"' in page


def test_saving_or_retiring_an_exercise_bumps_its_lessons_revision(client, alice, course):
    lesson = Exercise.objects.get(slug="softmax-temperature").lesson
    first, second, third = _items_of(lesson)[:3]
    client.force_login(alice)
    _view(client, course, first.slug)
    before = Lesson.objects.get(pk=lesson.pk).revision
    second.active = False
    second.save()  # as the content sync retires a removed folder
    assert Lesson.objects.get(pk=lesson.pk).revision == before + 1
    page, _ = _view(client, course, first.slug)
    assert f'rel="next" href="/c/{course.slug}/e/{third.slug}/"' in page
    # A new title, in place (the admin can edit a version's data): the pager shows it at once.
    version = third.current_version
    version.data = {**version.data, "title": {"pt": "Título novo", "en": "New title"}}
    version.save()
    assert Lesson.objects.get(pk=lesson.pk).revision == before + 2
    page, _ = _view(client, course, first.slug)
    assert "Título novo →" in page


def test_rendered_markdown_is_the_same_for_the_same_text_and_new_for_a_new_one():
    once = render_author_markdown("Um *texto* com ![figura](lessons/mlp.pt.svg)")
    again = render_author_markdown("Um *texto* com ![figura](lessons/mlp.pt.svg)")
    assert again is once and once.images == ("lessons/mlp.pt.svg",)
    other = render_author_markdown("Outro **texto**")
    assert "<strong>texto</strong>" in other.html and other.images == ()


def test_rendered_markdown_follows_the_static_files_settings(settings):
    text = "![figura](lessons/mlp.pt.svg)"
    assert 'src="/static/lessons/mlp.pt.svg"' in render_author_markdown(text).html
    settings.STATIC_URL = "/assets/"
    assert 'src="/assets/lessons/mlp.pt.svg"' in render_author_markdown(text).html
