"""Exercise content: find, load and validate the folders under `exercises/`.

An exercise is a folder holding `exercise.toml` (the manifest), a prompt in
each language and, for coding exercises, the starter code and the hidden
files (reference solution and checks). A lesson is the folder above its
exercises, described by `lesson.toml`. Validation collects every problem
before failing, so an author fixes a folder in one pass: the manifests'
fields through the typed models of `grader.manifest`, and here what needs the
folder (prompts, starter and hidden files, importing checks.py).

This module imports nothing from Django: the site, the worker and the CLI all
use it.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from grader import manifest
from grader.fields import LANGUAGES
from grader.manifest import DEFAULT_LIMITS

# Files that only the grader may read; they never reach the site or the sandbox.
HIDDEN_FILES = ("solution.py", "checks.py")


def default_root() -> Path:
    """The exercises folder: $GRADER_EXERCISES_DIR, else `exercises/` beside `grader/`."""
    configured = os.environ.get("GRADER_EXERCISES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "exercises"


@dataclass(frozen=True)
class ContentError:
    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class InvalidContent(Exception):
    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Lesson:
    slug: str
    order: int
    title: dict[str, str]
    summary: dict[str, str]
    path: Path


@dataclass
class Exercise:
    id: str
    kind: str
    lesson: str
    order: int
    title: dict[str, str]
    prompt: dict[str, str]
    path: Path
    content_hash: str
    # quiz only
    quiz: dict[str, Any] = field(default_factory=dict)
    # code only
    queue: str = "cpu"
    starter: str = ""
    limits: dict[str, int] = field(default_factory=dict)
    # Limits when a gpu-queue job really runs on a GPU (`limits` apply on the CPU).
    gpu_limits: dict[str, int] = field(default_factory=dict)
    # [{name, points, title: {pt, en}}], declared in the manifest so the site
    # can show them without importing the hidden checks.py.
    checks: list[dict[str, Any]] = field(default_factory=list)
    # Names the source may not use (grader.static), e.g. ["torch.softmax", "Tensor.softmax"].
    forbid: list[str] = field(default_factory=list)
    # Charged submissions allowed before the due date (0: no limit).
    attempts: int = 0
    # [{pt, en}], opened one by one by the student, in this order.
    hints: list[dict[str, str]] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        if self.kind == "quiz":
            return float(self.quiz.get("points", 1))
        return float(sum(c["points"] for c in self.checks))

    def load_checks(self):
        """Import the hidden `checks.py` (trusted content, grader side only)."""
        return _load_module(self.path / "checks.py", f"_checks_{self.id}_{self.content_hash[:12]}")

    def load_solution(self):
        return _load_module(self.path / "solution.py", f"_solution_{self.id}_{self.content_hash[:12]}")

    def public_data(self) -> dict[str, Any]:
        """What the site may store and show: no solution, no checks, no hidden inputs."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "lesson": self.lesson,
            "order": self.order,
            "title": self.title,
            "prompt": self.prompt,
        }
        if self.kind == "quiz":
            # The quiz key is needed by the site to grade in the request; the
            # views never render it to students.
            data["quiz"] = self.quiz
            data["max_score"] = self.max_score
        else:
            data["queue"] = self.queue
            data["starter"] = self.starter
            data["limits"] = self.limits
            data["max_score"] = self.max_score
            data["checks"] = self.checks
            data["forbid"] = self.forbid
            data["attempts"] = self.attempts
            data["hints"] = self.hints
        return data


_module_cache: dict[str, Any] = {}


def _load_module(path: Path, name: str):
    import importlib.util

    if name in _module_cache:
        return _module_cache[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _module_cache[name] = module
    return module


def content_hash(folder: Path) -> str:
    """A hash of every file in the folder, so any edit makes a new version."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(file.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


class _Collector:
    def __init__(self, path: Path, root: Path):
        self.path = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        self.errors: list[ContentError] = []

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(ContentError(self.path, field_name, message))

    def model(self, validate, data: dict, table: str):
        """The validated model, or None with every problem added."""
        try:
            return validate(data)
        except ValidationError as exc:
            for field_name, message in manifest.errors(exc, table):
                self.add(field_name, message)
            return None


def _read_toml(path: Path, collector: _Collector) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        collector.add(path.name, "file is missing")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        collector.add(path.name, f"not valid TOML: {exc}")
    return {}


def load_lesson(folder: Path, root: Path) -> tuple[Lesson | None, list[ContentError]]:
    c = _Collector(folder / "lesson.toml", root)
    data = _read_toml(folder / "lesson.toml", c)
    if not data:
        return None, c.errors
    model = c.model(manifest.Lesson.model_validate, data, "lesson")
    if model is None:
        return None, c.errors
    lesson = Lesson(
        slug=folder.name,
        order=model.order,
        title=model.title.model_dump(),
        summary=model.summary.model_dump(),
        path=folder,
    )
    return lesson, c.errors


def load_exercise(
    folder: Path, root: Path | None = None, import_checks: bool = True
) -> tuple[Exercise | None, list[ContentError]]:
    """Load one exercise folder. import_checks=False (the site) never executes content code."""
    root = root or folder.parent.parent
    c = _Collector(folder / "exercise.toml", root)
    data = _read_toml(folder / "exercise.toml", c)
    if not data:
        return None, c.errors

    model = c.model(manifest.exercise, data, "exercise")
    if isinstance(data.get("id"), str) and data["id"].strip() and data["id"] != folder.name:
        c.add("id", f"must equal the folder name {folder.name!r}")
    prompt = {}
    for lang in LANGUAGES:
        prompt_file = folder / f"prompt.{lang}.md"
        if not prompt_file.is_file():
            c.add(f"prompt.{lang}.md", "file is missing")
            prompt[lang] = ""
        else:
            prompt[lang] = prompt_file.read_text(encoding="utf-8")
    if data.get("kind") == "code":
        for name in ("starter.py", *HIDDEN_FILES):
            if not (folder / name).is_file():
                c.add(name, "file is missing")
    if model is None or c.errors:
        return None, c.errors

    exercise = Exercise(
        id=model.id,
        kind=model.kind,
        lesson=folder.parent.name,
        order=model.order,
        title=model.title.model_dump(),
        prompt=prompt,
        path=folder,
        content_hash=content_hash(folder),
    )
    if isinstance(model, manifest.QuizExercise):
        exercise.quiz = manifest.quiz_data(model.quiz)
        return exercise, c.errors
    code = model.code
    exercise.queue = code.queue
    exercise.limits = code.limits.over(DEFAULT_LIMITS)
    exercise.gpu_limits = code.gpu_limits.over(exercise.limits)
    exercise.starter = (folder / "starter.py").read_text(encoding="utf-8")
    exercise.forbid = list(code.static.forbid)
    exercise.attempts = code.attempts
    exercise.hints = [{lang: getattr(hint, lang).strip() for lang in LANGUAGES} for hint in code.hints]
    exercise.checks = [check.model_dump() for check in code.checks]
    if import_checks:
        _import_checks(exercise, c)
    return (None if c.errors else exercise), c.errors


def _import_checks(exercise: Exercise, c: _Collector) -> None:
    try:
        checks = exercise.load_checks()
    except Exception as exc:  # noqa: BLE001 - any authoring error is reported, not raised
        c.add("checks.py", f"cannot be imported: {exc!r}")
        return
    for function in ("make_cases", "judge"):
        if not callable(getattr(checks, function, None)):
            c.add("checks.py", f"must define {function}()")


def discover(
    root: Path | None = None, import_checks: bool = True
) -> tuple[list[Lesson], list[Exercise], list[ContentError]]:
    """Load every lesson and exercise under root; return them with all errors found."""
    root = root or default_root()
    lessons: list[Lesson] = []
    exercises: list[Exercise] = []
    errors: list[ContentError] = []
    if not root.is_dir():
        return [], [], [ContentError(str(root), "-", "exercises folder not found")]
    seen: dict[str, Path] = {}
    for lesson_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        lesson, lesson_errors = load_lesson(lesson_dir, root)
        errors.extend(lesson_errors)
        if lesson:
            lessons.append(lesson)
        for folder in sorted(p for p in lesson_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            exercise, exercise_errors = load_exercise(folder, root, import_checks)
            errors.extend(exercise_errors)
            if exercise is None:
                continue
            if exercise.id in seen:
                errors.append(
                    ContentError(folder.relative_to(root).as_posix(), "id", f"also used by {seen[exercise.id]}")
                )
                continue
            seen[exercise.id] = folder.relative_to(root)
            exercises.append(exercise)
    return lessons, exercises, errors


def find_exercise(reference: str, root: Path | None = None) -> Exercise:
    """Load an exercise by id (searched under root) or by folder path."""
    as_path = Path(reference)
    if (as_path / "exercise.toml").is_file():
        exercise, errors = load_exercise(as_path.resolve())
        if errors:
            raise InvalidContent(errors)
        assert exercise is not None
        return exercise
    root = root or default_root()
    for candidate in root.glob(f"*/{reference}/exercise.toml"):
        exercise, errors = load_exercise(candidate.parent, root)
        if errors:
            raise InvalidContent(errors)
        assert exercise is not None
        return exercise
    raise LookupError(f"no exercise {reference!r} under {root}")
