"""GRADER_NICE: the niceness a grading worker runs at, read with a clear refusal of bad values."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from grader import worker


@pytest.mark.parametrize(("raw", "expected"), [("", 10), ("0", 0), ("19", 19), (" 5 ", 5)])
def test_a_niceness_from_0_to_19_is_taken(monkeypatch, raw, expected):
    monkeypatch.setenv("GRADER_NICE", raw)
    assert worker.niceness() == expected


@pytest.mark.parametrize("raw", ["-5", "20", "dez", "1.5"])
def test_anything_else_is_refused_with_the_reason_and_the_default_used(monkeypatch, caplog, raw):
    monkeypatch.setenv("GRADER_NICE", raw)
    with caplog.at_level(logging.ERROR, logger="grader.worker"):
        assert worker.niceness() == worker.DEFAULT_NICE
    assert "not a niceness from 0 to 19" in caplog.text


def run_lowered(env: dict[str, str], start_at: int = 0) -> int:
    """lower_priority() in a fresh process started at niceness `start_at`; the niceness it ends at."""
    code = "from grader import worker; print(worker.lower_priority())"
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, start_at),  # noqa: PLW1509 - a test's child
    )
    return int(completed.stdout.strip().splitlines()[-1])


def test_the_worker_lowers_its_priority_and_never_raises_it():
    assert run_lowered({"GRADER_NICE": "7"}) == 7
    assert run_lowered({"GRADER_NICE": "0"}) == 0
    assert run_lowered({"GRADER_NICE": "7"}, start_at=15) == 15  # already nicer: left so
