"""Load `exercises/` into the catalog: validate everything, then write in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from catalog.models import Exercise, ExerciseVersion, Lesson
from grader import content


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def sync_exercises(root: Path) -> SyncResult:
    """Raise InvalidContent listing every error, or load all content atomically."""
    lessons, exercises, errors = content.discover(root, import_checks=False)
    if errors:
        raise content.InvalidContent(errors)
    result = SyncResult()
    with transaction.atomic():
        lesson_rows = {}
        for lesson in lessons:
            row, _ = Lesson.objects.update_or_create(
                slug=lesson.slug,
                defaults={"order": lesson.order, "title": lesson.title, "summary": lesson.summary},
            )
            lesson_rows[lesson.slug] = row
        for item in exercises:
            row, created = Exercise.objects.get_or_create(
                slug=item.id,
                defaults={"lesson": lesson_rows[item.lesson], "kind": item.kind, "order": item.order},
            )
            version, new_version = ExerciseVersion.objects.get_or_create(
                exercise=row,
                content_hash=item.content_hash,
                defaults={"data": item.public_data(), "solution": _solution_text(item)},
            )
            if not new_version and item.kind == "code" and not version.solution:
                version.solution = _solution_text(item)  # a version synced before solutions were stored
                version.save(update_fields=["solution"])
            changed = row.current_version_id != version.id
            row.lesson = lesson_rows[item.lesson]
            row.kind = item.kind
            row.order = item.order
            row.active = True
            row.current_version = version
            row.save()
            if created:
                result.created.append(item.id)
            elif changed or new_version:
                result.updated.append(item.id)
            else:
                result.unchanged.append(item.id)
        present = {item.id for item in exercises}
        for row in Exercise.objects.filter(active=True).exclude(slug__in=present):
            row.active = False
            row.save(update_fields=["active"])
            result.retired.append(row.slug)
    return result


def _solution_text(item: content.Exercise) -> str:
    """The reference solution of a coding exercise: stored apart from `data`, shown only after the due date."""
    if item.kind != "code":
        return ""
    return (item.path / "solution.py").read_text(encoding="utf-8")
