"""Typed helpers that read settings from the environment with safe defaults."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in choices:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) for this user only; an existing one of ours is tightened to 0700.

    A shared folder (one with the sticky bit, such as /tmp) or someone else's is left as it is.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 if it does not exist; an existing one of ours is tightened to 0600."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            path.chmod(0o600)
    return path


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, fallback_file: Path, allow_generated: bool = False) -> str:
    """A secret from the environment; with `allow_generated`, else one generated once into fallback_file.

    A production process must be given the secret: without it (and without the explicit
    development opt-in) this raises ImproperlyConfigured, so the process does not start.
    There is no hard-coded fallback: every development installation gets its own key.
    """
    value = os.environ.get(name)
    if value:
        return value
    if not allow_generated:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{name} is not set. Set it to a long random value (for example the output of "
            f"`python -c 'import secrets; print(secrets.token_urlsafe(50))'`); for development only, "
            f"GENERATE_SECRET_KEY=1 keeps a generated one in {fallback_file}."
        )
    try:
        return fallback_file.read_text().strip()
    except FileNotFoundError:
        private_dir(fallback_file.parent)
        key = secrets.token_urlsafe(50)
        fd = os.open(fallback_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
