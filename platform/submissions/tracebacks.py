"""Where a student's code raised: the line of their file that a grading report's traceback names last.

The probe keeps only the student's own frames (grader/probe/runtime.py), written as Python
writes them, `  File "/sandbox/submission.py", line N, in f`, and a SyntaxError adds the same
line without `, in f`. The last one is the innermost: the line that raised.
"""

from __future__ import annotations

import re

from grader.sandbox import SANDBOX_DIR

STUDENT_FILE = f"{SANDBOX_DIR}/submission.py"
_FRAME = re.compile(r'^  File "(?P<file>[^"\n]+)", line (?P<line>\d{1,7})\b', re.MULTILINE)


def student_error_line(traceback: str) -> int | None:
    """The last line number of the student's file in the traceback, or None when it names none."""
    lines = [int(m["line"]) for m in _FRAME.finditer(traceback or "") if m["file"] == STUDENT_FILE]
    return lines[-1] if lines and lines[-1] >= 1 else None
