"""How well the free-text rubrics generalise: grade answers that the rubrics were never written against.

The tuning corpora (exercises/*/*/answers.toml) gate `make test` through the
selftest; a rubric tuned on its corpus can still miss phrasings nobody put
there. bench/data/rubric-heldout/ holds answers written apart from both. This
prints, per item and in all, the agreement with the teacher's label (a score
within 0.1 of it), the false passes (expected 0, scored two thirds or more) and
the false fails (expected 1, scored a third or less), the time one grading takes
(warm, over these and the corpus answers), then every disagreement.

    .venv/bin/python bench/rubric_heldout.py [--quiet] [--smoke]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader import content, corpus, quiz  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "rubric-heldout"


def _timing(items: list[tuple[Path, content.Exercise]]) -> None:
    """Time one grading per answer, as the web request runs it, over these and the corpus answers (warm)."""
    samples = []
    for file, exercise in items:
        for folder, name in ((file.parent, file.name), (exercise.path, corpus.FILE)):
            entries, _ = corpus.load(folder, exercise.quiz, name)
            samples += [(exercise.quiz, entry.text) for entry in entries]
    times = []
    for _ in range(2):  # the first round fills the stem and pattern caches
        times = []
        for spec, answer in samples:
            start = time.perf_counter()
            with contextlib.suppress(quiz.MalformedAnswer):
                quiz.grade(spec, answer)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"grading one answer: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no disagreements")
    parser.add_argument("--smoke", action="store_true", help="one item, to check the script runs")
    args = parser.parse_args()
    files = sorted(DATA.glob("*.toml"))[: 1 if args.smoke else None]
    total = agree = passes = fails = 0
    misses = []
    items = [(file, content.find_exercise(file.stem)) for file in files]
    print(f"{'item':24} {'answers':>7} {'agree':>6} {'false pass':>10} {'false fail':>10}")
    for file, exercise in items:
        # The held-out file stands in for the item's own answers.toml.
        report = corpus.grade_corpus(exercise.id, file.parent, exercise.quiz, quiz.grade, file.name)
        if report is None or report.errors:
            print(f"{file.name}: {report.errors if report else 'empty'}", file=sys.stderr)
            return 1
        n = len(report.outcomes)
        total += n
        agree += sum(o.agrees for o in report.outcomes)
        wrong, missed = len(report.false_passes), len(report.false_fails)
        passes, fails = passes + wrong, fails + missed
        print(f"{exercise.id:24} {n:7d} {report.agreement:6.0%} {wrong:10d} {missed:10d}")
        misses += [(exercise.id, o) for o in report.outcomes if not o.agrees]
    print(f"{'all':24} {total:7d} {agree / total:6.0%} {passes:10d} {fails:10d}")
    _timing(items)
    if not args.quiet:
        for exercise_id, outcome in misses:
            got = "refused" if outcome.got is None else f"{outcome.got:.2f}"
            found = outcome.details.get("concepts", []), outcome.details.get("misconceptions", [])
            print(f"\n{exercise_id}: expected {outcome.entry.expected:.2f}, got {got}, found {found}")
            print("  " + outcome.entry.text.replace("\n", " / ")[:300])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
