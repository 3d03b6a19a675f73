"""Which queues a grading worker consumes, and the command that starts it.

The site publishes coding work on `cpu` or `gpu` (the exercise's queue), practice on their
`-low` twins and staff regrades on `-regrade`. A worker reads its queues in the order it lists
them (kombu's Redis "priority" order), so the work that counts comes first, then practice, then
regrades.

A `gpu` worker consumes the gpu queues only. A `cpu` worker consumes the cpu queues, and also the
gpu ones unless a GPU worker is configured (``GPU_WORKERS=1``): without one, nothing else would
ever take a gpu job, and GPU exercises would wait for ever. It grades them on its CPU budget
(`grader.engine` uses `gpu_limits` only where the sandbox sees an NVIDIA device), as `make run`'s
single worker does.

    python -m grader.queues cpu                    # prints the list, e.g. cpu,gpu,cpu-low,...
    python -m grader.queues cpu --exec -c 2 ...    # becomes `celery -A grader.worker worker -Q <list> -c 2 ...`
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

KINDS = ("cpu", "gpu")
# The suffixes in the order a worker reads them: on-time work, practice, regrades.
TIERS = ("", "-low", "-regrade")


def gpu_workers_configured(env: Mapping[str, str]) -> bool:
    """Whether a GPU worker consumes the gpu queues (``GPU_WORKERS``; unset, empty or 0: none)."""
    return env.get("GPU_WORKERS", "").strip().lower() in ("1", "true", "yes", "on")


def worker_queues(kind: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The queues a `kind` worker consumes, in the order it reads them."""
    if kind not in KINDS:
        raise ValueError(f"unknown worker kind {kind!r}; one of {', '.join(KINDS)}")
    env = os.environ if env is None else env
    if kind == "gpu":
        kinds: tuple[str, ...] = ("gpu",)
    elif gpu_workers_configured(env):
        kinds = ("cpu",)
    else:
        kinds = ("cpu", "gpu")
    return [base + tier for tier in TIERS for base in kinds]


def celery_argv(kind: str, extra: Sequence[str] = (), env: Mapping[str, str] | None = None) -> list[str]:
    """The grading worker's command line: `celery -A grader.worker worker -Q <queues> <extra>`."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "grader.worker",
        "worker",
        "-Q",
        ",".join(worker_queues(kind, env)),
        *extra,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in KINDS:
        print(
            f"usage: python -m grader.queues {{{'|'.join(KINDS)}}} [--exec CELERY-WORKER-OPTIONS...]", file=sys.stderr
        )
        return 2
    kind, rest = args[0], args[1:]
    if rest[:1] == ["--exec"]:
        command = celery_argv(kind, rest[1:])
        print(f"grader worker ({kind}) consumes {command[command.index('-Q') + 1]}", file=sys.stderr, flush=True)
        os.execv(command[0], command)  # noqa: S606 - our own interpreter, fixed arguments
    if rest:
        print("unexpected arguments (use --exec to start the worker)", file=sys.stderr)
        return 2
    print(",".join(worker_queues(kind)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
