"""Grade one coding submission: hidden cases out, probe in the sandbox, judge outside.

The report is the grader's contract (docs/grader-contract.md):
status, score, max_score, checks[{name, title, passed, score, max_score,
feedback}], duration_ms, device, stdout/stderr excerpts, and `charged`
(False for infrastructure failures, which never cost the student an attempt).
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from grader import codec, progress, sandbox, static
from grader.content import Exercise
from grader.contract import REPORT_VERSION, check_source
from grader.judging import Outcome, Verdict

log = logging.getLogger(__name__)

PROBE_RUNTIME = Path(__file__).parent / "probe" / "runtime.py"
RESULTS_MAX_BYTES = 32 * 1024 * 1024

_MESSAGES = {
    "error": ("Seu código falhou ao ser carregado ou terminou com erro.", "Your code failed to load or crashed."),
    "timeout": ("Tempo esgotado: seu código passou do limite de tempo.", "Time is up: your code ran past its limit."),
    "memory_limit": ("Seu código passou do limite de memória.", "Your code ran past its memory limit."),
    "output_limit": (
        "Seu código produziu saída ou arquivos grandes demais.",
        "Your code produced too much output or too large a file.",
    ),
    "sandbox_error": (
        "Falha na infraestrutura de correção; esta tentativa não conta.",
        "The grading infrastructure failed; this attempt does not count.",
    ),
}


def _report(exercise: Exercise, status: str, message: dict[str, str]) -> dict[str, Any]:
    return empty_report(exercise.id, exercise.content_hash, exercise.max_score, status, message)


def _message(status: str, detail: str = "") -> dict[str, str]:
    pt, en = _MESSAGES[status]
    return {"pt": f"{pt} {detail}".strip(), "en": f"{en} {detail}".strip()}


def empty_report(
    exercise_id: str, content_hash: str, max_score: float, status: str, message: dict[str, str]
) -> dict[str, Any]:
    """A report with no checks run; `charged` is False for infrastructure failures."""
    return {
        "version": REPORT_VERSION,
        "exercise": exercise_id,
        "content_hash": content_hash,
        "status": status,
        "charged": status != "sandbox_error",
        "score": 0.0,
        "max_score": max_score,
        "checks": [],
        "message": message,
        "duration_ms": 0,
        "device": "cpu",
        "stdout": "",
        "stderr": "",
    }


_fork_server = None


def fork_server():
    """This process's warm fork server (started on first use)."""
    global _fork_server
    if _fork_server is None:
        from grader.sandbox.forkserver import ForkServer

        _fork_server = ForkServer()
    return _fork_server


class ProgressRelay:
    """Picks progress events out of the results stream as it arrives, validated and rate-capped."""

    MAX_METRICS = progress.MAX_METRICS
    MIN_INTERVAL = 0.2

    def __init__(self, sink):
        self.sink = sink
        self.buffer = b""
        self.last = 0.0
        self.held = None  # an event that came too soon: sent with the next other line, or at the end

    def __call__(self, chunk: bytes) -> None:
        self.buffer += chunk
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        if len(self.buffer) > 1 << 16:
            self.buffer = b""  # a huge value line, not progress: the final parse handles it
        for line in lines:
            if not line.startswith(b'{"progress"'):
                self.flush()  # the probe sends a run's last event just before its next record
                continue
            event = self.clean(line)
            if event is None:
                continue
            if time.monotonic() - self.last >= self.MIN_INTERVAL:
                self.held = None
                self._send(event)
            else:
                self.held = event

    def flush(self) -> None:
        """Send the held event, if any (at most one per other line of the stream: the rate stays capped)."""
        if self.held is not None:
            event, self.held = self.held, None
            self._send(event)

    def _send(self, event: dict) -> None:
        self.last = time.monotonic()
        try:
            self.sink(event)
        except Exception:  # noqa: BLE001 - progress is best effort; grading goes on
            log.warning("progress sink failed", exc_info=True)

    @classmethod
    def clean(cls, line: bytes) -> dict | None:
        """The event on one line of the stream, as `progress.clean` keeps it; None for anything else."""
        if len(line) > 4096:  # a few short metrics fit in far less
            return None
        try:
            record = json.loads(line)
        except ValueError:
            return None
        return progress.clean(record.get("progress")) if isinstance(record, dict) else None


def _run_sandboxed(workdir: Path, argv: list[str], limits: sandbox.Limits, gpu: bool, warm: bool, on_progress=None):
    relay = ProgressRelay(on_progress) if on_progress else None
    try:
        if warm:
            try:
                return fork_server().run(workdir, argv, limits, gpu, relay)
            except sandbox.SandboxUnavailable:
                log.warning("warm sandbox unavailable; grading on the cold path", exc_info=True)
        return sandbox.run(workdir, argv, limits, gpu, relay)
    finally:
        if relay is not None:
            relay.flush()


def grade(
    exercise: Exercise, source: bytes | str, seed: int | None = None, warm: bool = False, on_progress=None
) -> dict[str, Any]:
    """Grade source against exercise; always returns a report, never raises for student faults.

    warm=True forks from this process's fork server (fast); warm=False starts
    a fresh bwrap sandbox (about a second slower). Both give the same report.
    on_progress(event) receives the probe's progress events while it runs.
    """
    started = time.monotonic()
    checks_module = exercise.load_checks()
    try:
        text = check_source(source)
    except ValueError as exc:
        report = _report(exercise, "error", {"pt": f"Código inválido: {exc}", "en": f"Invalid code: {exc}"})
        report["checks"] = _score_checks(exercise, checks_module, {}, {})
        return report

    violations = static.find_violations(text, exercise.forbid)
    if violations:
        return _rules_broken(exercise, checks_module, violations, started)

    # Hidden inputs: a fresh seed per grading, never shown to the student.
    seed = seed if seed is not None else secrets.randbits(64)
    rng = random.Random(seed)
    cases = checks_module.make_cases(rng)
    for index, case in enumerate(cases):
        case["id"] = index

    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        (workdir / "submission.py").write_text(text, encoding="utf-8")
        shutil.copyfile(PROBE_RUNTIME, workdir / "_probe.py")
        shutil.copyfile(PROBE_RUNTIME.parent / "grader_progress.py", workdir / "grader_progress.py")
        # A gpu job gets the GPU where this worker has one; elsewhere it runs on the CPU, on the CPU budget.
        on_gpu = exercise.queue == "gpu" and bool(sandbox.gpu_devices())
        device = "cuda" if on_gpu else "cpu"
        # The exercise's limits over the defaults (grader.sandbox.limits), for the sandbox and the probe alike.
        limits = sandbox.Limits.from_dict(exercise.gpu_limits if on_gpu else exercise.limits)
        probe_input = {
            "device": device,
            # CPU jobs: an address-space limit on top of the memory cgroup. GPU jobs: the cgroup alone,
            # since CUDA reserves vast virtual address ranges.
            **limits.probe_spec(address_space=not on_gpu),
            # Only what the call needs goes in: never the check names, labels or anything else of the judge's.
            "cases": [
                {k: codec.encode(c[k]) for k in ("id", "call", "args", "kwargs", "grad") if k in c} for c in cases
            ],
        }
        rules = static.runtime_rules(exercise.forbid)
        if rules:
            # The probe enforces the rules at run time too (only the rules: nothing of the judge's).
            probe_input["rules"] = rules
            if rules["no_autograd"] and any("grad" in c for c in cases):
                raise ValueError(f"{exercise.id}: gradient cases need autograd, which its rules switch off")
        (workdir / "cases.json").write_text(json.dumps(probe_input), encoding="utf-8")
        argv = [sandbox_python(), "-I", f"{sandbox.SANDBOX_DIR}/_probe.py"]
        try:
            run = _run_sandboxed(workdir, argv, limits, on_gpu, warm, on_progress)
        except sandbox.SandboxUnavailable as exc:
            report = _report(exercise, "sandbox_error", _message("sandbox_error", str(exc)))
            report["checks"] = _score_checks(exercise, checks_module, {}, {})
            return report
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if on_gpu and not sandbox.gpu_idle():
        log.error("the GPU still has compute processes after a job of %s", exercise.id)
    records = codec.parse_results(run.results)

    status, detail = _status(run, records)
    outcomes = _outcomes(records, run.out_of_memory)
    reference = exercise.load_solution()
    report = _report(exercise, status, _message(status, detail) if status != "graded" else {})
    failures: list[dict] = []
    report["checks"] = _score_checks(
        exercise, checks_module, {c["id"]: c for c in cases}, outcomes, reference, failures
    )
    # For instructors only (never in what a student's page receives): how to replay this grading.
    report["private"] = {"seed": seed, "failures": failures}
    report["score"] = round(sum(c["score"] for c in report["checks"]), 4)
    report["duration_ms"] = int((time.monotonic() - started) * 1000)
    report["device"] = device
    report["stdout"] = run.stdout + ("\n[... saída truncada / output truncated]" if run.stdout_truncated else "")
    report["stderr"] = run.stderr[-4000:]
    import_error = next((r["import_error"] for r in records if "import_error" in r), None)
    if import_error:
        report["status"] = "error"
        report["message"] = {
            "pt": "Seu código não pôde ser carregado.",
            "en": "Your code could not be loaded.",
        }
        report["traceback"] = import_error.get("traceback", "")
    return report


def _rules_broken(exercise: Exercise, checks_module, violations, started: float) -> dict[str, Any]:
    """The source uses a forbidden name: nothing runs, and no check scores."""
    where = ", ".join(f"{v.name} ({v.line})" for v in violations[:5])
    report = _report(
        exercise,
        "graded",
        {
            "pt": f"Este exercício não permite usar: {where}. Implemente você mesmo(a).",
            "en": f"This exercise does not allow: {where}. Implement it yourself.",
        },
    )
    checks = _score_checks(exercise, checks_module, {}, {})
    for check in checks:
        check["feedback"] = {
            "pt": f"Não avaliado: o código usa {violations[0].name} (linha {violations[0].line}).",
            "en": f"Not graded: the code uses {violations[0].name} (line {violations[0].line}).",
        }
    report["checks"] = checks
    report["rules"] = [{"line": v.line, "name": v.name} for v in violations]
    report["duration_ms"] = int((time.monotonic() - started) * 1000)
    return report


def sandbox_python() -> str:
    import sys

    return sys.executable


# When several limits were hit, the report names the first of these.
_LIMIT_ORDER = ("timeout", "memory_limit", "output_limit")


def _status(run: sandbox.SandboxRun, records: list[dict]) -> tuple[str, str]:
    """The run's status. Checks keep their own scores whatever it is."""
    if run.timed_out or run.cpu_exceeded:
        return "timeout", ""
    if run.output_exceeded or run.file_too_large or run.results_exceeded:
        return "output_limit", ""
    if run.out_of_memory:
        return "memory_limit", ""
    hit = {str(r.get("fatal") or r.get("limit") or r.get("died")) for r in records} & set(_LIMIT_ORDER)
    for limit in _LIMIT_ORDER:
        if limit in hit:
            return limit, ""
    if any(r.get("fatal") == "crashed" or "died" in r for r in records):
        return "error", ""
    if not any(r.get("done") for r in records):
        if run.signal == 9:
            # Killed with no deadline passed: the memory limit or the kernel.
            return "memory_limit", ""
        return "error", f"(exit {run.exit_code if run.exit_code is not None else 'signal ' + str(run.signal)})"
    return "graded", ""


def _outcomes(records: list[dict], out_of_memory: bool = False) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    for record in records:
        case_id = record.get("id")
        if not isinstance(case_id, int) or case_id in outcomes:
            continue  # the first record of a case counts; later ones cannot overwrite it
        if "missing" in record:
            outcomes[case_id] = Outcome(missing=str(record["missing"])[:100])
        elif "limit" in record or "died" in record:
            how = str(record.get("limit") or record.get("died"))[:40]
            if out_of_memory and how == "signal 9":
                how = "memory_limit"  # the cgroup's OOM killer
            outcomes[case_id] = Outcome(died=how)
        elif "invalid" in record:
            outcomes[case_id] = Outcome(invalid=str(record["invalid"])[:200])
        elif "error" in record and isinstance(record["error"], dict):
            error = record["error"]
            names = [str(n)[:100] for n in error.get("type", [])][:20] if isinstance(error.get("type"), list) else []
            outcomes[case_id] = Outcome(
                error={
                    "type": names or ["Exception"],
                    "message": str(error.get("message", ""))[:500],
                    "traceback": str(error.get("traceback", ""))[:4000],
                }
            )
        else:
            try:
                outcomes[case_id] = Outcome(value=codec.decode_output(record.get("value")))
            except codec.InvalidOutput as exc:
                outcomes[case_id] = Outcome(invalid=str(exc))
    return outcomes


def _describe_case(case: dict) -> dict:
    def shape(value):
        if hasattr(value, "shape"):
            return f"tensor{list(value.shape)}"
        return repr(value)[:80]

    return {
        "call": case["call"],
        "args": [shape(a) for a in case.get("args", [])],
        "kwargs": {k: shape(v) for k, v in case.get("kwargs", {}).items()},
    }


def _score_checks(
    exercise: Exercise,
    checks_module,
    cases: dict[int, dict],
    outcomes: dict[int, Outcome],
    reference=None,
    failures: list[dict] | None = None,
) -> list[dict]:
    results = []
    for check in exercise.checks:
        # A case serves one check ("check") or several ("checks": one expensive call, e.g. a training run).
        mine = [
            {**c, "check": check["name"]} for c in cases.values() if check["name"] in c.get("checks", [c.get("check")])
        ]
        verdict: Verdict | None = None
        if not mine:
            verdict = Verdict(False, {"pt": "Não executado.", "en": "Not run."})
        for case in mine:
            outcome = outcomes.get(case["id"], Outcome(absent=True))
            try:
                verdict = checks_module.judge(case, outcome, reference)
            except Exception as exc:  # noqa: BLE001 - a judge bug must not lose the other checks
                verdict = Verdict(False, {"pt": f"Erro no corretor: {exc!r}", "en": f"Grader error: {exc!r}"})
            if not verdict.passed:
                if failures is not None:
                    failures.append({"check": check["name"], "case": case["id"], **_describe_case(case)})
                break
        assert verdict is not None
        points = float(check["points"])
        results.append(
            {
                "name": check["name"],
                "title": check["title"],
                "passed": verdict.passed,
                "score": points if verdict.passed else 0.0,
                "max_score": points,
                "feedback": verdict.feedback,
            }
        )
    return results
