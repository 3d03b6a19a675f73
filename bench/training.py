"""Time of grading a training exercise (mlp-spirals by default), on whatever device this machine offers.

    .venv/bin/python bench/training.py [--runs 5] [--cold] [--cpu] [--exercise char-gpt] [--smoke]

Grades the reference solution through the engine (warm path unless --cold):
on a machine with an NVIDIA GPU the gpu-queue job runs on CUDA with the
exercise's gpu_limits; elsewhere on the CPU with its CPU budget. The last line
printed is one JSON object. `--smoke` grades once, to check that the script
works (`make test` does); its figure means nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import content, engine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--exercise", default="mlp-spirals", help="a gpu-queue training exercise: mlp-spirals, char-gpt"
    )
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--cpu", action="store_true", help="ignore the GPU: the CPU baseline on the same machine")
    parser.add_argument("--smoke", action="store_true", help="one run: does the script still work?")
    args = parser.parse_args()
    if args.smoke:
        args.runs = 1
    if args.cpu:
        os.environ["GRADER_NO_GPU"] = "1"
    exercise = content.find_exercise(args.exercise)
    source = (exercise.path / "solution.py").read_text()
    durations, devices = [], set()
    for seed in range(args.runs):
        report = engine.grade(exercise, source, seed=seed, warm=not args.cold)
        assert report["score"] == report["max_score"], report
        durations.append(report["duration_ms"])
        devices.add(report["device"])
        print(f"run {seed}: {report['duration_ms']} ms on {report['device']}", flush=True)
    engine.fork_server().stop()
    print(
        json.dumps(
            {
                "exercise": exercise.id,
                "device": "/".join(sorted(devices)),
                "path": "cold" if args.cold else "warm",
                "p50_ms": statistics.median(durations),
                "max_ms": max(durations),
                "runs": args.runs,
            }
        )
    )


if __name__ == "__main__":
    main()
