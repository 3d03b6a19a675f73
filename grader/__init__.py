"""The grading engine: exercise content, quiz graders, sandbox, probe and judge.

Importable and runnable without Django; the site and the Celery workers both
use it. See docs/grader-contract.md for the report it produces.
"""
