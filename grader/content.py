"""Exercise content: find, load and validate the folders under `exercises/`.

An exercise is a folder holding `exercise.toml` (the manifest), a prompt in
each language and, for coding exercises, the starter code and the hidden
files (reference solution and checks). A lesson is the folder above its
exercises, described by `lesson.toml`. Validation collects every problem
before failing, so an author fixes a folder in one pass.

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

LANGUAGES = ("pt", "en")
KINDS = ("quiz", "code")
QUEUES = ("cpu", "gpu")
QUIZ_TYPES = (
    "free_text",
    "numeric",
    "single_choice",
    "multiple_choice",
    "ordering",
    "parsons",
    "matching",
    "short_answer",
    "list_answer",
)
# Files that only the grader may read; they never reach the site or the sandbox.
HIDDEN_FILES = ("solution.py", "checks.py")
MAX_SOURCE_BYTES = 64 * 1024

DEFAULT_LIMITS = {
    "cpu_seconds": 10,  # per process: each runner the probe starts gets its own
    "wall_seconds": 20,  # the whole sandbox
    "case_seconds": 5,  # one call of the student's function
    "memory_mb": 1536,
    "max_processes": 64,
    "file_size_mb": 16,
    "open_files": 256,
    "output_kb": 64,  # stdout and stderr kept for the report
    "result_mb": 16,  # data the probe may send back
}


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

    def text(self, data: dict, key: str, prefix: str = "") -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add(prefix + key, "required text is missing or empty")
            return ""
        return value

    def integer(self, data: dict, key: str, default: int | None = None, minimum: int = 0) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key, f"must be a whole number, got {value!r}")
            return default or 0
        if value < minimum:
            self.add(key, f"must be at least {minimum}, got {value}")
        return value

    def bilingual(self, data: dict, key: str) -> dict[str, str]:
        value = data.get(key)
        if not isinstance(value, dict):
            self.add(key, "required table with 'pt' and 'en' texts")
            return {lang: "" for lang in LANGUAGES}
        return {lang: self.text(value, lang, prefix=f"{key}.") for lang in LANGUAGES}


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
    lesson = Lesson(
        slug=folder.name,
        order=c.integer(data, "order", 0),
        title=c.bilingual(data, "title"),
        summary=c.bilingual(data, "summary"),
        path=folder,
    )
    return (None if c.errors else lesson), c.errors


def load_exercise(
    folder: Path, root: Path | None = None, import_checks: bool = True
) -> tuple[Exercise | None, list[ContentError]]:
    """Load one exercise folder. import_checks=False (the site) never executes content code."""
    root = root or folder.parent.parent
    c = _Collector(folder / "exercise.toml", root)
    data = _read_toml(folder / "exercise.toml", c)
    if not data:
        return None, c.errors

    exercise_id = c.text(data, "id")
    if exercise_id and exercise_id != folder.name:
        c.add("id", f"must equal the folder name {folder.name!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        c.add("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    prompt = {}
    for lang in LANGUAGES:
        prompt_file = folder / f"prompt.{lang}.md"
        if not prompt_file.is_file():
            c.add(f"prompt.{lang}.md", "file is missing")
            prompt[lang] = ""
        else:
            prompt[lang] = prompt_file.read_text(encoding="utf-8")

    exercise = Exercise(
        id=exercise_id,
        kind=kind or "",
        lesson=folder.parent.name,
        order=c.integer(data, "order", 0),
        title=c.bilingual(data, "title"),
        prompt=prompt,
        path=folder,
        content_hash=content_hash(folder),
    )
    if kind == "quiz":
        exercise.quiz = _validate_quiz(data.get("quiz"), c)
    elif kind == "code":
        _validate_code(data.get("code"), folder, exercise, c, import_checks)
    return (None if c.errors else exercise), c.errors


def _validate_quiz(quiz: Any, c: _Collector) -> dict:
    if not isinstance(quiz, dict):
        c.add("quiz", "required table for a quiz item")
        return {}
    qtype = quiz.get("type")
    if qtype not in QUIZ_TYPES:
        c.add("quiz.type", f"must be one of {', '.join(QUIZ_TYPES)}, got {qtype!r}")
        return quiz
    points = quiz.get("points", 1)
    if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
        c.add("quiz.points", f"must be a positive number, got {points!r}")
    # Import here: quiz knows each type's own fields.
    from grader import quiz as quiz_module

    for message in quiz_module.validate_spec(quiz):
        c.add(message[0], message[1])
    return quiz


def _validate_code(code: Any, folder: Path, exercise: Exercise, c: _Collector, import_checks: bool) -> None:
    if not isinstance(code, dict):
        c.add("code", "required table for a coding exercise")
        return
    queue = code.get("queue", "cpu")
    if queue not in QUEUES:
        c.add("code.queue", f"must be one of {', '.join(QUEUES)}, got {queue!r}")
    exercise.queue = queue
    exercise.limits = _limits(code, "limits", dict(DEFAULT_LIMITS), c)
    exercise.gpu_limits = _limits(code, "gpu_limits", dict(exercise.limits), c)
    starter = folder / "starter.py"
    if not starter.is_file():
        c.add("starter.py", "file is missing")
    else:
        exercise.starter = starter.read_text(encoding="utf-8")
    for hidden in HIDDEN_FILES:
        if not (folder / hidden).is_file():
            c.add(hidden, "file is missing")
    static = code.get("static", {})
    forbid = static.get("forbid", []) if isinstance(static, dict) else None
    if not isinstance(forbid, list) or not all(isinstance(name, str) and name for name in forbid):
        c.add("code.static.forbid", "must be a list of dotted names, e.g. ['torch.softmax', 'Tensor.softmax']")
    else:
        exercise.forbid = forbid
    attempts = code.get("attempts", 0)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
        c.add("code.attempts", f"must be a whole number, 0 for no limit; got {attempts!r}")
    else:
        exercise.attempts = attempts
    hints = code.get("hints", [])
    if not isinstance(hints, list):
        c.add("code.hints", "must be a list of [[code.hints]] tables with pt and en")
        hints = []
    for index, hint in enumerate(hints):
        if not isinstance(hint, dict) or not all(
            isinstance(hint.get(lang), str) and hint[lang].strip() for lang in LANGUAGES
        ):
            c.add(f"code.hints[{index}]", "needs pt and en text")
        elif set(hint) - set(LANGUAGES):
            c.add(f"code.hints[{index}]", f"unknown keys: {', '.join(sorted(set(hint) - set(LANGUAGES)))}")
        else:
            exercise.hints.append({lang: hint[lang].strip() for lang in LANGUAGES})
    names: set[str] = set()
    declared = code.get("checks")
    if not isinstance(declared, list) or not declared:
        c.add("code.checks", "declare at least one [[code.checks]] with name, points and title")
        declared = []
    for index, check in enumerate(declared):
        where = f"code.checks[{index}]"
        if not isinstance(check, dict):
            c.add(where, "must be a table")
            continue
        name, points, title = check.get("name"), check.get("points"), check.get("title")
        if not isinstance(name, str) or not name:
            c.add(f"{where}.name", "required")
        elif name in names:
            c.add(f"{where}.name", f"duplicate check name {name!r}")
        names.add(name)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            c.add(f"{where}.points", f"must be a positive number, got {points!r}")
        if not isinstance(title, dict) or not all(isinstance(title.get(lang), str) for lang in LANGUAGES):
            c.add(f"{where}.title", "needs pt and en")
    exercise.checks = [
        {"name": ch["name"], "points": ch["points"], "title": ch["title"]} for ch in declared if isinstance(ch, dict)
    ]
    if c.errors or not import_checks:
        return
    try:
        checks = exercise.load_checks()
    except Exception as exc:  # noqa: BLE001 - any authoring error is reported, not raised
        c.add("checks.py", f"cannot be imported: {exc!r}")
        return
    for function in ("make_cases", "judge"):
        if not callable(getattr(checks, function, None)):
            c.add("checks.py", f"must define {function}()")


def _limits(code: dict, key: str, limits: dict[str, int], c: _Collector) -> dict[str, int]:
    overrides = code.get(key, {})
    if not isinstance(overrides, dict):
        c.add(f"code.{key}", "must be a table")
        return limits
    for name, value in overrides.items():
        if name not in DEFAULT_LIMITS:
            c.add(f"code.{key}.{name}", f"unknown limit; known: {', '.join(DEFAULT_LIMITS)}")
        elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            c.add(f"code.{key}.{name}", f"must be a positive whole number, got {value!r}")
        else:
            limits[name] = value
    return limits


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
