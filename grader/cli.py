"""Command line: grade a file locally, or validate the exercise folders.

python -m grader grade softmax-temperature my_solution.py --json
python -m grader validate [EXERCISES_DIR]
python -m grader selftest [--seeds N]                # every exercise grades as declared, on seeds 1..N
python -m grader corpus temperature-meaning          # where a rubric disagrees with its answer corpus
python -m grader schema > docs/exercise.schema.json
python -m grader seccomp-profile > deploy/seccomp-worker.json   # the grading worker container's filter
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from grader import content, engine


def _exercise(args: argparse.Namespace) -> content.Exercise | None:
    """The exercise named on the command line, or None after saying why it cannot be loaded."""
    try:
        return content.find_exercise(args.exercise, Path(args.root) if args.root else None)
    except (LookupError, content.InvalidContent) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _grade(args: argparse.Namespace) -> int:
    exercise = _exercise(args)
    if exercise is None:
        return 2
    if exercise.kind != "code":
        print(f"error: {exercise.id} is a {exercise.kind} item, not a coding exercise", file=sys.stderr)
        return 2
    try:
        source = Path(args.submission).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.submission}: {exc.strerror}", file=sys.stderr)
        return 2
    report = engine.grade(exercise, source, seed=args.seed)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_human(report, args.lang)
    return 0


def _print_human(report: dict, lang: str) -> None:
    print(f"{report['exercise']}: {report['status']}  {report['score']:g}/{report['max_score']:g}")
    if report.get("message"):
        print(f"  {report['message'][lang]}")
    for check in report["checks"]:
        mark = "ok  " if check["passed"] else "FAIL"
        print(f"  [{mark}] {check['title'][lang]} ({check['score']:g}/{check['max_score']:g})")
        if not check["passed"]:
            print(f"         {check['feedback'][lang]}")
    if report.get("traceback"):
        print(report["traceback"])
    print(f"  {report['duration_ms']} ms")


def _validate(args: argparse.Namespace) -> int:
    root = Path(args.root) if args.root else content.default_root()
    lessons, exercises, errors = content.discover(root)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{len(errors)} error(s) in {root}", file=sys.stderr)
        return 1
    print(f"{len(lessons)} lesson(s), {len(exercises)} exercise(s) valid in {root}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from grader import manifest

    sys.stdout.write(manifest.schema_text())
    return 0


def _seccomp_profile(args: argparse.Namespace) -> int:
    from grader.sandbox import seccomp

    sys.stdout.write(seccomp.container_profile_json())
    return 0


def _selftest(args: argparse.Namespace) -> int:
    from grader import selftest

    if args.seeds < 1:
        print("error: --seeds must be at least 1", file=sys.stderr)
        return 2
    timings: dict[str, float] = {}
    started = time.monotonic()
    rows, errors = selftest.run(
        Path(args.root) if args.root else None,
        warm=not args.cold,
        seed_count=args.seeds,
        timings=timings,
        only=set(args.only) if args.only else None,
    )
    if args.only and (unknown := set(args.only) - set(timings)):
        print(f"error: no exercise {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for error in errors:
        print(error, file=sys.stderr)
    print(selftest.table(rows))
    failed = [row for row in rows if not row.ok]
    print(f"{len(rows) - len(failed)} of {len(rows)} samples grade as declared, on {args.seeds} seed(s) each")
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:5]
    slowest_text = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in slowest)
    print(f"{time.monotonic() - started:.0f} s in all; slowest: {slowest_text}")
    if not args.cold:
        from grader import engine

        engine.fork_server().stop()
    return 1 if failed or errors else 0


def _corpus(args: argparse.Namespace) -> int:
    """Grade one item's answer corpus and print every answer the grader disagrees on (for tuning a rubric)."""
    from grader import corpus, quiz

    exercise = _exercise(args)
    if exercise is None:
        return 2
    report = (
        corpus.grade_corpus(exercise.id, exercise.path, exercise.quiz, quiz.grade) if exercise.kind == "quiz" else None
    )
    if report is None:
        print(f"error: {exercise.id} has no {corpus.FILE}", file=sys.stderr)
        return 2
    for error in report.errors:
        print(error, file=sys.stderr)
    for outcome in report.outcomes:
        if outcome.agrees and not args.all:
            continue
        got = "refused (too short or empty)" if outcome.got is None else f"{outcome.got:.2f}"
        mark = "ok  " if outcome.agrees else "DIFF"
        print(f"[{mark}] expected {outcome.entry.expected:.2f}, got {got}  ({outcome.entry.note})")
        print("       " + outcome.entry.text.replace("\n", " / "))
        if outcome.entry.concepts or outcome.entry.misconceptions:
            print(f"       labelled: {outcome.entry.concepts} minus {outcome.entry.misconceptions}")
        details = outcome.details
        if "evidence" in details:
            print(f"       found:    {details['concepts']} minus {details['misconceptions']}  flags {details['flags']}")
            for name, words in details["evidence"].items():
                print(f"         {name}: {words}")
    print(
        f"{exercise.id}: {len(report.outcomes)} answers, agreement {report.agreement:.0%}, "
        f"{len(report.false_passes)} false passes, {len(report.false_fails)} false fails"
    )
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="grade a submission file against an exercise")
    grade.add_argument("exercise", help="exercise id or folder")
    grade.add_argument("submission", help="path to the student's .py file")
    grade.add_argument("--json", action="store_true", help="print the report as one JSON object")
    grade.add_argument("--seed", type=int, default=None, help="fix the hidden inputs (for debugging)")
    grade.add_argument("--lang", choices=content.LANGUAGES, default="pt")
    grade.add_argument("--root", help="exercises folder (default: $GRADER_EXERCISES_DIR or ./exercises)")
    grade.set_defaults(func=_grade)
    validate = sub.add_parser("validate", help="validate every exercise folder and list all errors")
    validate.add_argument("root", nargs="?")
    validate.set_defaults(func=_validate)
    selftest = sub.add_parser("selftest", help="check that every exercise grades as declared")
    selftest.add_argument("root", nargs="?")
    selftest.add_argument("--cold", action="store_true", help="grade on the cold path (fresh bwrap each time)")
    selftest.add_argument(
        "--seeds", type=int, default=5, help="grade each coding sample on seeds 1..N (default 5; 50 for the slow run)"
    )
    selftest.add_argument("--only", action="append", metavar="ID", help="this exercise only (repeatable)")
    selftest.set_defaults(func=_selftest)
    corpus = sub.add_parser("corpus", help="grade an item's answers.toml and print where the grader disagrees")
    corpus.add_argument("exercise", help="exercise id or folder")
    corpus.add_argument("--all", action="store_true", help="print every answer, not only the disagreements")
    corpus.add_argument("--root", help="exercises folder (default: $GRADER_EXERCISES_DIR or ./exercises)")
    corpus.set_defaults(func=_corpus)
    schema = sub.add_parser("schema", help="print the JSON Schema of exercise.toml (for editors)")
    schema.set_defaults(func=_schema)
    profile = sub.add_parser(
        "seccomp-profile", help="print the grading worker container's seccomp profile (deploy/seccomp-worker.json)"
    )
    profile.set_defaults(func=_seccomp_profile)
    args = parser.parse_args(argv)
    return args.func(args)
