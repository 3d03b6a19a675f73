"""Lesson texts: lesson.<lang>.md synced with the lesson, rendered (MathML and figures) above the exercises."""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from catalog.models import ExerciseVersion, Lesson
from catalog.rendering import render_author_markdown
from tests.conftest import EXERCISES

pytestmark = pytest.mark.django_db

STATIC = Path(settings.STATICFILES_DIRS[0])
HEADINGS = {
    ("chatgpt", "pt"): ["Um token de cada vez", "Softmax e temperatura", "Do GPT ao ChatGPT: treino em etapas"],
    ("chatgpt", "en"): ["One token at a time", "Softmax and temperature", "From GPT to ChatGPT: training in stages"],
    ("redes-neurais", "pt"): ["Funções de ativação", "O perceptron", "Como a rede aprende"],
    ("redes-neurais", "en"): ["Activation functions", "The perceptron", "How a network learns"],
}
FIGURES = {
    "chatgpt": ["softmax-temperature", "chatgpt-training"],
    "redes-neurais": ["mlp", "activations", "perceptron"],
}


def lesson_page(client, user, course, lesson, lang):
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en" if lang == "en" else "pt-br", "next": "/"})
    response = client.get(reverse("lesson", args=[course.slug, lesson]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("lesson", ["chatgpt", "redes-neurais"])
@pytest.mark.parametrize("lang", ["pt", "en"])
def test_the_lesson_page_shows_its_text_above_the_exercises(client, alice, course, lesson, lang):
    page = lesson_page(client, alice, course, lesson, lang)
    other = "en" if lang == "pt" else "pt"
    for heading in HEADINGS[(lesson, lang)]:
        assert f"<h2>{heading}</h2>" in page
    for heading in HEADINGS[(lesson, other)]:
        assert f"<h2>{heading}</h2>" not in page
    exercises_heading = "<h2>Exercícios</h2>" if lang == "pt" else "<h2>Exercises</h2>"
    assert page.index('<article class="card lesson-text">') < page.index(exercises_heading)
    assert '<div class="formula" tabindex="0"><math display="block">' in page and "</math>" in page
    for figure in FIGURES[lesson]:
        assert f'src="/static/lessons/{figure}.{lang}.svg"' in page
        assert f"/static/lessons/{figure}.{other}.svg" not in page


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_every_formula_reaches_the_page_exactly_as_written(client, alice, course, lang):
    for lesson in FIGURES:
        source = (EXERCISES / lesson / f"lesson.{lang}.md").read_text(encoding="utf-8")
        formulas = re.findall(r"<math\b.*?</math>", source, flags=re.S)
        assert len(formulas) >= 5
        page = lesson_page(client, alice, course, lesson, lang)
        for formula in formulas:
            assert formula in page


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_figures_have_alt_text_and_a_caption_and_their_files_are_served(client, alice, course, lang):
    for lesson in FIGURES:
        page = lesson_page(client, alice, course, lesson, lang)
        figures = re.findall(r"<figure[^>]*>(.*?)</figure>", page, flags=re.S)
        assert len(figures) == len(FIGURES[lesson])
        for figure in figures:
            alt = re.search(r'alt="([^"]*)"', figure).group(1)
            src = re.search(r'src="([^"]*)"', figure).group(1)
            caption = re.search(r"<figcaption>(.+?)</figcaption>", figure, flags=re.S).group(1)
            assert len(alt) > 40 and len(caption) > 20
            response = client.get(src)
            assert response.status_code == 200
            assert response["Content-Type"].startswith("image/svg+xml")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert body == (STATIC / src.removeprefix("/static/")).read_bytes()


def test_markdown_keeps_mathml_intact_and_turns_lone_images_into_figures():
    text = (
        "Inline <math><msub><mi>x</mi><mi>i</mi></msub><mo>*</mo><mi>a_b</mi><mo>*</mo></math> and *this*.\n\n"
        '<math display="block">\n  <mi>a</mi><mo>=</mo>\n\n  <mfrac><mn>1</mn><mi>b_c_d</mi></mfrac>\n</math>\n\n'
        '![A picture](lessons/mlp.en.svg "Its caption")\n\n'
        "```\n<math><mi>*shown as code*</mi></math>\n```\n"
    )
    rendered = render_author_markdown(text)
    html = str(rendered.html)
    assert "<math><msub><mi>x</mi><mi>i</mi></msub><mo>*</mo><mi>a_b</mi><mo>*</mo></math>" in html
    assert "<em>this</em>" in html
    assert (
        '<div class="formula" tabindex="0"><math display="block">\n  <mi>a</mi><mo>=</mo>\n\n'
        "  <mfrac><mn>1</mn><mi>b_c_d</mi></mfrac>\n</math></div>" in html
    )
    assert "<p><div" not in html and "<p><math display" not in html
    # What may scroll sideways on a phone takes the keyboard focus (a formula, a figure, code).
    assert re.search(r'<figure tabindex="0"><img alt="A picture" [^>]*src="/static/lessons/mlp.en.svg"', html)
    assert '<pre tabindex="0"><code>' in html and "<math><msub>" in html
    assert "<figcaption>Its caption</figcaption>" in html and "title=" not in html
    assert "&lt;math&gt;&lt;mi&gt;*shown as code*" in html
    assert rendered.images == ("lessons/mlp.en.svg",)


# --- sync ---------------------------------------------------------------------------------


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_sync_loads_the_text_of_each_lesson_in_both_languages(content):
    call_command("sync_exercises", str(content))
    for slug in FIGURES:
        lesson = Lesson.objects.get(slug=slug)
        for lang in ("pt", "en"):
            assert lesson.body[lang] == (content / slug / f"lesson.{lang}.md").read_text(encoding="utf-8")


def test_an_edited_text_updates_the_lesson_in_place(content, capsys):
    call_command("sync_exercises", str(content))
    versions = ExerciseVersion.objects.count()
    (content / "chatgpt/lesson.en.md").write_text("## New section\n\nNew text.\n", encoding="utf-8")
    call_command("sync_exercises", str(content))
    lesson = Lesson.objects.get(slug="chatgpt")
    assert lesson.body["en"] == "## New section\n\nNew text.\n"
    assert lesson.body["pt"] == (content / "chatgpt/lesson.pt.md").read_text(encoding="utf-8")
    assert Lesson.objects.count() == 2 and ExerciseVersion.objects.count() == versions  # no exercise changed
    out = capsys.readouterr().out
    assert "lessons: 2 new, 0 updated, 0 unchanged" in out
    assert "lessons: 0 new, 1 updated, 1 unchanged" in out


def test_a_lesson_without_text_has_an_empty_body_and_no_text_on_its_page(content, client, alice, course):
    for lang in ("pt", "en"):
        (content / "redes-neurais" / f"lesson.{lang}.md").unlink()
    call_command("sync_exercises", str(content))
    assert Lesson.objects.get(slug="redes-neurais").body == {}
    page = lesson_page(client, alice, course, "redes-neurais", "pt")
    assert "lesson-text" not in page and "<h2>Exercícios</h2>" in page


def test_a_text_in_one_language_only_is_refused(content, capsys):
    (content / "chatgpt/lesson.en.md").unlink()
    with pytest.raises(CommandError, match="1 error"):
        call_command("sync_exercises", str(content))
    assert "chatgpt/lesson.en.md: -: file is missing" in capsys.readouterr().err
    assert Lesson.objects.count() == 0


def test_a_figure_that_is_not_a_static_file_is_refused(content, capsys):
    path = content / "redes-neurais/lesson.pt.md"
    path.write_text(path.read_text(encoding="utf-8") + '\n![Nada](lessons/missing.svg "Nada")\n', encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        call_command("sync_exercises", str(content))
    assert "redes-neurais/lesson.pt.md: figure: 'lessons/missing.svg' is not a static file" in capsys.readouterr().err
