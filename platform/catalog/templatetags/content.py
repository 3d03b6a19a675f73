from django import template

from catalog.models import pick_language

register = template.Library()


@register.filter
def localized(texts: dict | None) -> str:
    """{"pt": ..., "en": ...} in the active language."""
    return pick_language(texts or {})
