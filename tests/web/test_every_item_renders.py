"""Every exercise of the bank opens in both languages, and a quiz's keyed answer never reaches its page."""

import html
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from catalog.models import Exercise
from grader import quiz
from grader.quiz import normalize
from grader.quiz.base import option_id
from grader.quiz.ordering import right_orders
from submissions.services import quiz_params, quiz_state
from tests.conftest import enrollment_of

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


# --- the key never reaches the page ---------------------------------------------------


class _Elements(HTMLParser):
    """Every start tag with its attributes, in the page's order."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def _form_fields(page: str, name: str) -> list[str]:
    inputs = [attrs for tag, attrs in _Elements(page).tags if tag == "input"]
    return [attrs.get("value", "") for attrs in inputs if attrs.get("name") == name]


def _says(text: str, phrase: str) -> bool:
    """Whether `phrase` is in `text` as whole words, case, accents and punctuation aside."""
    return f" {normalize(phrase)} " in f" {normalize(text)} "


def _no_key_in_hidden_fields_or_data(page: str, keys: list[str], path: str) -> None:
    for tag, attrs in _Elements(page).tags:
        if tag == "input" and attrs.get("type") == "hidden":
            # The only hidden fields: the CSRF token, the language switch's way back here and
            # the variant of the numbers shown (a small count of wrong answers).
            assert attrs["name"] in ("csrfmiddlewaretoken", "next", "variant"), attrs
            assert attrs["name"] != "next" or attrs["value"] == path, attrs
            assert attrs["name"] != "variant" or re.fullmatch(r"[0-9]{1,5}", attrs["value"]), attrs
        for name, value in attrs.items():
            if name.startswith("data-"):
                assert not any(re.search(rf"\b{re.escape(key)}\b", value) for key in keys), (name, value)


def _choices(page, spec, params, context):
    ids = [option["id"] for option in spec["options"]]
    values = _form_fields(page, "answer")
    # Each option once, by a token of this student's that stands for it and is no id.
    assert sorted(option_id(context["seed"], ids, value) for value in values) == sorted(ids), values
    assert not set(values) & set(ids) and all(re.fullmatch(r"o[0-9a-f]{10}", value) for value in values), values
    keys = spec["answer"] if isinstance(spec["answer"], list) else [spec["answer"]]
    _no_key_in_hidden_fields_or_data(page, keys, context["path"])


def _numbers_for(value: float) -> set[str]:
    """The value as a page might print it, in English and in Portuguese."""
    english = {repr(value), f"{value:g}", f"{value:.3e}", f"{value * 100:.1f}%"}
    english |= {f"{value:.{digits}f}" for digits in (2, 3, 4, 6)}
    if float(value).is_integer():
        english |= {f"{int(value)}", f"{int(value):,}"}
    portuguese = {text.translate(str.maketrans({".": ",", ",": "."})) for text in english}
    return english | portuguese


def _numeric(page, spec, params, context):
    expected = quiz.item_type("numeric").expected(spec, params)
    for text in _numbers_for(expected):
        # A whole number on its own, not a piece of a longer one (nor of the CSRF token).
        assert not re.search(rf"(?<![\w.,]){re.escape(text)}(?![\w]|[.,]\d)", page), text
    _no_key_in_hidden_fields_or_data(page, [], context["path"])


def _named(page, spellings, context):
    # The top bar (site name, language switch, log out) is the same on every page; its one
    # hidden field is checked apart.
    item_part = re.sub(r'<header class="topbar">.*?</header>', "", page, count=1, flags=re.S)
    for spelling in spellings:
        if not _says(context["shown_anyway"], spelling):
            assert not _says(item_part, spelling), spelling


def _short_answer(page, spec, params, context):
    _named(page, [a for lang in ("pt", "en") for a in spec["accepted"].get(lang, [])], context)


def _list_answer(page, spec, params, context):
    _named(page, [name for item in spec["items"] for name in item["names"]], context)


def _shown_order(page: str, prefix: str) -> list[str]:
    return [
        attrs["name"].removeprefix(prefix)
        for tag, attrs in _Elements(page).tags
        if tag == "select" and attrs.get("name", "").startswith(prefix)
    ]


def _ordering(page, spec, params, context):
    keyed = [item["id"] for item in spec["items"]]
    shown = _shown_order(page, "pos_")
    assert sorted(shown) == sorted(keyed) and shown not in right_orders(spec), shown
    # The page says how the item gives credit (all or nothing, or the longest run).
    assert 'id="credit-note"' in page, keyed


def _matching(page, spec, params, context):
    left = [item["id"] for item in spec["left"]]
    assert _shown_order(page, "match_") == left
    tags = _Elements(page).tags
    options = [attrs["value"] for tag, attrs in tags if tag == "option" and attrs.get("value")]
    rows = [options[i : i + len(spec["right"])] for i in range(0, len(options), len(spec["right"]))]
    keyed = list(dict.fromkeys(spec["answer"][key] for key in left))
    assert len(rows) == len(left) and all(row == rows[0] for row in rows), rows
    assert rows[0] != keyed, rows[0]  # the options never line up with the answers, left to right


def _free_text(page, spec, params, context):
    for entry in spec["concepts"] + spec.get("misconceptions", []):
        # Its name, and what the feedback says when it is found or missing.
        texts = [entry[said][lang] for said in ("name", "praise", "revisit") if said in entry for lang in ("pt", "en")]
        # And its patterns, as they would read if the page carried the rubric.
        _named(page, texts + entry.get("pt", []) + entry.get("en", []), context)


CHECKS = {
    "single_choice": _choices,
    "multiple_choice": _choices,
    "numeric": _numeric,
    "short_answer": _short_answer,
    "list_answer": _list_answer,
    "ordering": _ordering,
    "parsons": _ordering,
    "matching": _matching,
    "free_text": _free_text,
}


def test_every_quiz_type_has_a_check_that_its_key_stays_off_the_page():
    assert set(CHECKS) == set(quiz.TYPES)


def test_no_quiz_page_shows_its_key(client, alice, bob, course):
    items = list(Exercise.objects.filter(active=True, kind=Exercise.QUIZ).select_related("current_version"))
    assert len(items) >= 30
    checked = Counter()
    for student in (alice, bob):  # two students: two shuffles
        client.force_login(student)
        for item in items:
            data = item.current_version.data
            spec = data["quiz"]
            path = reverse("exercise", args=[course.slug, item.slug])
            # What the author shows on purpose (a word of the prompt may also be an accepted answer),
            # and the address, which holds the slug.
            shown_anyway = " ".join([*data["prompt"].values(), *data["title"].values(), item.slug])
            seed = quiz_state(enrollment_of(student, course), item).seed
            context = {"path": path, "shown_anyway": shown_anyway, "seed": seed}
            for lang in ("pt-br", "en"):
                page = _page(client, course, item.slug, lang)
                CHECKS[spec["type"]](page, spec, quiz_params(item, student.id), context)
            checked[spec["type"]] += 1
    assert set(checked) == set(quiz.TYPES), checked  # the bank has an item of every type
