"""A lesson's items in order (ids, slugs, titles), kept in each process between requests.

Every item page shows "previous", "next" and "item 3 of 9"; reading them cost a query and its
rows on every view, for facts that change only when the content is synced or edited. Each
process keeps the latest list per lesson, keyed by the lesson's `revision`: any save or delete
of one of its exercises or of their versions bumps that number in the database (so every other
process sees the change on its next page: the lesson row comes with the item anyway) and
forgets this process's lists at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from catalog.models import Exercise, ExerciseVersion, Lesson, pick_language


@dataclass(frozen=True)
class Entry:
    pk: int
    slug: str
    title: dict | None  # {"pt": ..., "en": ...}; None for an item without content

    @property
    def display_title(self) -> str:
        return pick_language(self.title) if isinstance(self.title, dict) else self.slug


# Sent with `lesson_id` once a lesson's revision moved (courses.course_index renews its courses').
items_changed = Signal()

_lock = threading.Lock()
_lists: dict[int, tuple[int, tuple[Entry, ...]]] = {}


def items(lesson: Lesson) -> tuple[Entry, ...]:
    """The lesson's active items in its order, as of `lesson.revision`."""
    kept = _lists.get(lesson.pk)
    if kept is not None and kept[0] == lesson.revision:
        return kept[1]
    rows = Exercise.objects.filter(lesson=lesson.pk, active=True).values_list(
        "pk", "slug", "current_version__data__title"
    )
    entries = tuple(Entry(pk, slug, title) for pk, slug, title in rows)
    with _lock:
        _lists[lesson.pk] = (lesson.revision, entries)
    return entries


def forget() -> None:
    with _lock:
        _lists.clear()


def _bump(lesson_id: int | None) -> None:
    if lesson_id is not None:
        Lesson.objects.filter(pk=lesson_id).update(revision=F("revision") + 1)
        items_changed.send(sender=Lesson, lesson_id=lesson_id)
    forget()


@receiver(post_save, sender=Exercise)
@receiver(post_delete, sender=Exercise)
def _exercise_changed(sender, instance: Exercise, **kwargs) -> None:
    _bump(instance.lesson_id)


@receiver(post_save, sender=ExerciseVersion)
@receiver(post_delete, sender=ExerciseVersion)
def _version_changed(sender, instance: ExerciseVersion, **kwargs) -> None:
    lesson_id = Exercise.objects.filter(pk=instance.exercise_id).values_list("lesson_id", flat=True).first()
    _bump(lesson_id)
