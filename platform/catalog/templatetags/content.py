from django import template

from catalog.models import pick_language
from catalog.rendering import render_author_markdown

register = template.Library()


@register.filter
def localized(texts: dict | None) -> str:
    """{"pt": ..., "en": ...} in the active language."""
    return pick_language(texts or {})


@register.filter
def author_markdown(text: str | None) -> str:
    """Markdown written by the course's authors → HTML (raw HTML and MathML kept). Never for students' text."""
    return render_author_markdown(text or "").html
