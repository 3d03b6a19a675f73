"""Markdown written by the course's authors (lesson texts), rendered to HTML.

Trusted content only: raw HTML passes through unescaped, so this must never be
given anything a student wrote. On top of plain Markdown:

- MathML: every `<math>...</math>`, inline or `display="block"`, reaches the page
  exactly as written (Markdown would otherwise read `*` or `_` inside it as
  emphasis). Browsers typeset MathML Core natively: no script, no CDN. Only a
  fenced code block shows MathML source as text (inline `code` does not).
- Figures: an image alone in its paragraph, `![alt](lessons/x.svg "caption")`,
  becomes `<figure>` with the alt text on the image and the title as `<figcaption>`.
- Static files: a relative image path is a static file (`lessons/x.svg` →
  `/static/lessons/x.svg`); `RenderedMarkdown.images` lists them so the content sync
  can refuse a lesson whose figure does not exist.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from urllib.parse import urlsplit

import markdown
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

MATH_RE = re.compile(r"<math\b[^>]*>.*?</math\s*>", re.DOTALL | re.IGNORECASE)


class _MathPreprocessor(Preprocessor):
    """Stash each <math> element whole, so no Markdown rule touches its inside."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        text = MATH_RE.sub(lambda match: self.md.htmlStash.store(match.group(0)), text)
        return text.split("\n")


class _FigureTreeprocessor(Treeprocessor):
    def __init__(self, md: markdown.Markdown, images: list[str]):
        super().__init__(md)
        self.images = images

    def run(self, root: etree.Element) -> None:
        for image in root.iter("img"):
            src = image.get("src", "")
            parts = urlsplit(src)
            if src and not parts.scheme and not parts.netloc and not src.startswith(("/", "#")):
                self.images.append(parts.path)
                image.set("src", static(parts.path))
        lone = [
            (parent, index)
            for parent in root.iter()
            for index, child in enumerate(parent)
            if child.tag == "p" and self._lone_image(child)
        ]
        for parent, index in lone:
            parent[index] = self._figure(parent[index][0])

    @staticmethod
    def _lone_image(paragraph: etree.Element) -> bool:
        return (
            len(paragraph) == 1
            and paragraph[0].tag == "img"
            and not (paragraph.text or "").strip()
            and not (paragraph[0].tail or "").strip()
        )

    @staticmethod
    def _figure(image: etree.Element) -> etree.Element:
        figure = etree.Element("figure")
        figure.set("tabindex", "0")  # it scrolls sideways on a phone (the drawing keeps its size)
        caption = image.attrib.pop("title", "")
        image.tail = None
        image.set("loading", "lazy")
        figure.append(image)
        if caption:
            etree.SubElement(figure, "figcaption").text = caption
        return figure


# Boxes that may scroll sideways on a phone (code, tables, block formulas) take the keyboard
# focus, so they can be scrolled without a mouse (axe: scrollable-region-focusable). A block
# formula is wrapped in a box that scrolls, so the formula itself stays exactly as written.
SCROLL_BOX_RE = re.compile(r"<(pre|table)(?=[\s>])")
BLOCK_MATH_RE = re.compile(r"<math\b[^>]*\bdisplay=\"block\"[^>]*>.*?</math\s*>", re.DOTALL | re.IGNORECASE)


class _ScrollBoxPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        text = SCROLL_BOX_RE.sub(lambda m: f'<{m.group(1)} tabindex="0"', text)
        return BLOCK_MATH_RE.sub(lambda m: f'<div class="formula" tabindex="0">{m.group(0)}</div>', text)


class _LessonExtension(Extension):
    def __init__(self, images: list[str]):
        super().__init__()
        self.images = images

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # After fenced_code (25), so a <math> shown inside a code fence stays code;
        # before html_block (20), which would keep block math but not inline math.
        md.preprocessors.register(_MathPreprocessor(md), "lesson_math", 22)
        # After the inline patterns (20) have made the <img> elements.
        md.treeprocessors.register(_FigureTreeprocessor(md, self.images), "lesson_figures", 15)
        # After the raw-HTML postprocessor (30) has put code blocks and formulas back.
        md.postprocessors.register(_ScrollBoxPostprocessor(md), "lesson_scroll_boxes", 5)


@dataclass(frozen=True)
class RenderedMarkdown:
    html: SafeString
    images: tuple[str, ...] = ()


# Rendering is a pure function of the text, and the same texts come back on every page view
# (a lesson's body, an item's prompt in each language: a few milliseconds each, and a lesson's
# whole text about 15 ms). Each process keeps the latest few hundred, a few MB at most.
@functools.lru_cache(maxsize=512)
def render_author_markdown(text: str) -> RenderedMarkdown:
    """Author-written Markdown (never a student's) → safe HTML, and the static images it shows."""
    images: list[str] = []
    html = markdown.markdown(text, extensions=["fenced_code", "tables", _LessonExtension(images)])
    return RenderedMarkdown(html=mark_safe(html), images=tuple(images))  # noqa: S308 - authors' content only


@receiver(setting_changed)
def _static_settings_changed(setting: str, **kwargs) -> None:
    """A figure's address comes from the static files' settings: a test that changes them starts afresh."""
    if setting in ("STATIC_URL", "STORAGES"):
        render_author_markdown.cache_clear()
