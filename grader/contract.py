"""The grader's contract with the site: task names, the payload, limits on code, and the report.

Both sides import this module: the grading worker (grader.worker, grader.engine) and the site
(submissions.services, the results consumer). It imports neither PyTorch nor Django, so the web
process and the results consumer never pay for PyTorch (about 1 s and 250 MB each). The report
format is documented in docs/grader-contract.md; `REPORT_VERSION` changes when it does.
"""

from __future__ import annotations

import hmac
import math
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

REPORT_VERSION = 1
# What a report's status may be; `sandbox_error` is the infrastructure's fault and never charged.
STATUSES = ("graded", "error", "timeout", "memory_limit", "output_limit", "sandbox_error")
# The most code one submission may carry, in bytes of UTF-8.
MAX_SOURCE_BYTES = 64 * 1024

# Task names: the site publishes the first two to the grading queues; workers publish the rest to `results`.
GRADE_TASK = "grader.grade_submission"
REGRADE_TASK = "grader.regrade_submission"
RECORD_RESULT_TASK = "submissions.record_result"
MARK_RUNNING_TASK = "submissions.mark_running"
RECORD_REGRADE_TASK = "regrade.record_item"
RESULTS_QUEUE = "results"


class SourceRejected(ValueError):
    """The submission cannot be graded as sent; `reason` is one of too_large, nul_byte, not_utf8."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_source(source: bytes | str) -> str:
    """Decode and size-check a submission; SourceRejected with a clear message otherwise."""
    try:
        raw = source.encode("utf-8") if isinstance(source, str) else source
    except UnicodeEncodeError as exc:  # lone surrogates from a broken form post
        raise SourceRejected("not_utf8", "code is not valid UTF-8") from exc
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceRejected("too_large", f"code is {len(raw)} bytes; the limit is {MAX_SOURCE_BYTES} bytes")
    if b"\0" in raw:
        raise SourceRejected("nul_byte", "code contains a NUL byte")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceRejected("not_utf8", f"code is not valid UTF-8 (byte {exc.start})") from exc


def new_token() -> str:
    """A per-submission secret the site puts in that submission's task; a result must carry it back."""
    return secrets.token_urlsafe(24)


def token_matches(expected: str, given: Any) -> bool:
    """Constant-time comparison; an empty expected token (never issued) matches nothing."""
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


class Check(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    passed: bool
    score: float = 0.0
    max_score: float = 0.0

    @field_validator("score", "max_score")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value


class Report(BaseModel):
    """What a worker sends back for one submission. Unknown fields are kept (stored as sent)."""

    model_config = ConfigDict(extra="allow")

    version: int = REPORT_VERSION
    status: str
    score: float = 0.0
    charged: bool | None = None
    content_hash: str | None = None
    checks: list[Check] = Field(default_factory=list)
    message: dict[str, str] = Field(default_factory=dict)

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"unknown status {value!r}")
        return value

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError("score is not a finite number")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != REPORT_VERSION:
            raise ValueError(f"report version {value}; this site reads version {REPORT_VERSION}")
        return value

    @property
    def is_charged(self) -> bool:
        """Infrastructure failures never cost an attempt, whatever the report says."""
        if self.status == "sandbox_error":
            return False
        return True if self.charged is None else self.charged

    def capped_score(self, max_score: float) -> float:
        """A report never raises a score beyond what the exercise version is worth, nor below 0."""
        return min(max(float(self.score), 0.0), max_score)


class InvalidReport(ValueError):
    pass


def parse_report(raw: Any) -> Report:
    """A Report from a worker's JSON, or InvalidReport saying what is wrong (in English, for the log)."""
    if not isinstance(raw, dict):
        raise InvalidReport("report is not an object")
    try:
        return Report.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "report"
        raise InvalidReport(f"{where}: {first.get('msg', 'invalid')}") from None
