"""Load `exercises/` into the catalog: validate everything, then write in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles import finders
from django.db import transaction

from catalog.models import Exercise, ExerciseVersion, Lesson
from catalog.rendering import render_author_markdown
from grader import content


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    # Lessons have no versions: a changed title, summary or text updates the row.
    lessons_created: list[str] = field(default_factory=list)
    lessons_updated: list[str] = field(default_factory=list)
    lessons_unchanged: list[str] = field(default_factory=list)


def sync_exercises(root: Path) -> SyncResult:
    """Raise InvalidContent listing every error, or load all content atomically."""
    lessons, exercises, errors = content.discover(root, import_checks=False)
    bodies = {}
    for lesson in lessons:
        bodies[lesson.slug], text_errors = lesson_text(lesson, root)
        errors.extend(text_errors)
    if errors:
        raise content.InvalidContent(errors)
    result = SyncResult()
    with transaction.atomic():
        lesson_rows = {}
        for lesson in lessons:
            fields = {
                "order": lesson.order,
                "title": lesson.title,
                "summary": lesson.summary,
                "body": bodies[lesson.slug],
            }
            row = Lesson.objects.filter(slug=lesson.slug).first()
            if row is None:
                row = Lesson.objects.create(slug=lesson.slug, **fields)
                result.lessons_created.append(lesson.slug)
            elif any(getattr(row, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(row, name, value)
                row.save()
                result.lessons_updated.append(lesson.slug)
            else:
                result.lessons_unchanged.append(lesson.slug)
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
            wanted = {
                "lesson_id": lesson_rows[item.lesson].pk,
                "kind": item.kind,
                "order": item.order,
                "active": True,
                "current_version_id": version.id,
            }
            # Saved only when something moved: each save tells every process that caches the
            # lesson's pages to read them again (catalog.lesson_index, courses.course_index).
            if created or any(getattr(row, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(row, name, value)
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


def lesson_text(lesson: content.Lesson, root: Path) -> tuple[dict[str, str], list[content.ContentError]]:
    """The lesson's text, `lesson.pt.md` and `lesson.en.md` beside `lesson.toml`: both or neither.

    Each figure it shows (`![alt](lessons/x.svg "caption")`) must be a static file.
    """
    files = {lang: lesson.path / f"lesson.{lang}.md" for lang in content.LANGUAGES}
    if not any(path.is_file() for path in files.values()):
        return {}, []
    folder = lesson.path.relative_to(root).as_posix() if lesson.path.is_relative_to(root) else str(lesson.path)
    body: dict[str, str] = {}
    errors: list[content.ContentError] = []
    for lang, path in files.items():
        where = f"{folder}/{path.name}"
        if not path.is_file():
            errors.append(content.ContentError(where, "-", "file is missing: write the lesson text in every language"))
            continue
        try:
            body[lang] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            errors.append(content.ContentError(where, "-", f"not valid UTF-8: {exc}"))
            continue
        for image in render_author_markdown(body[lang]).images:
            if finders.find(image) is None:
                errors.append(
                    content.ContentError(where, "figure", f"{image!r} is not a static file (platform/static/{image})")
                )
    return body, errors
