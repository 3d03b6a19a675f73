"""The grading engine end to end in the real bubblewrap sandbox (no Celery)."""

import json
import os
import subprocess
import sys

import pytest

from grader import content, engine, sandbox
from tests.conftest import EXERCISES, NAIVE_SOFTMAX, ROOT, SOLUTION

pytestmark = pytest.mark.usefixtures("sandbox_ready")


@pytest.fixture(scope="module")
def softmax_exercise():
    return content.find_exercise("softmax-temperature", EXERCISES)


@pytest.fixture(params=["cold", "warm"])
def path(request):
    """Every test here runs on both paths: a fresh bwrap sandbox, and a fork from the warm server."""
    return request.param


def grade(exercise, source, **kwargs):
    return engine.grade(exercise, source, warm=_PATH["warm"], **kwargs)


_PATH = {"warm": False}


@pytest.fixture(autouse=True)
def _use_path(path):
    _PATH["warm"] = path == "warm"
    yield
    _PATH["warm"] = False


def scores(report):
    return {check["name"]: check["score"] for check in report["checks"]}


def test_reference_solution_scores_full_marks(softmax_exercise):
    report = grade(softmax_exercise, SOLUTION)
    assert report["status"] == "graded"
    assert report["score"] == report["max_score"] == 10
    assert all(check["passed"] for check in report["checks"])
    assert report["charged"] is True


def test_starter_code_scores_nothing(softmax_exercise):
    report = grade(softmax_exercise, softmax_exercise.starter)
    assert report["status"] == "graded"
    assert report["score"] == 0


def test_naive_softmax_loses_exactly_the_stability_and_validation_points(softmax_exercise):
    report = grade(softmax_exercise, NAIVE_SOFTMAX)
    assert report["status"] == "graded"
    assert scores(report) == {
        "matches_softmax": 3,
        "temperature": 2,
        "stable": 0,
        "any_dim": 2,
        "rejects_bad_temperature": 0,
    }
    stable = next(c for c in report["checks"] if c["name"] == "stable")
    assert "NaN" in stable["feedback"]["en"]


def test_ignoring_the_temperature_fails_the_temperature_checks(softmax_exercise):
    source = SOLUTION.replace("scaled = z / temperature", "scaled = z")
    report = grade(softmax_exercise, source)
    assert scores(report) == {
        "matches_softmax": 3,
        "temperature": 0,
        "stable": 2,
        "any_dim": 2,
        "rejects_bad_temperature": 1,
    }


def test_always_using_the_last_dimension_fails_only_any_dim(softmax_exercise):
    source = SOLUTION.replace("dim=dim", "dim=-1")
    report = grade(softmax_exercise, source)
    assert report["score"] == 8
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["any_dim"]


def test_syntax_error_is_an_error_with_the_students_traceback(softmax_exercise):
    report = grade(softmax_exercise, "import torch\ndef softmax(z:\n    return z\n")
    assert report["status"] == "error"
    assert report["score"] == 0
    assert "SyntaxError" in report["traceback"]
    assert "_probe.py" not in report["traceback"]


def test_an_exception_costs_only_the_checks_it_breaks(softmax_exercise):
    source = (
        SOLUTION
        + "\n_orig = softmax\ndef softmax(z, temperature=1.0, dim=-1):\n"
        + ("    if z.dim() == 3:\n        raise KeyError('boom')\n    return _orig(z, temperature, dim)\n")
    )
    report = grade(softmax_exercise, source)
    assert report["status"] == "graded"
    assert report["score"] == 8
    any_dim = next(c for c in report["checks"] if c["name"] == "any_dim")
    assert "KeyError" in any_dim["feedback"]["en"]


def test_returning_a_list_is_not_a_tensor(softmax_exercise):
    source = SOLUTION.replace("return weights / weights.sum(dim=dim, keepdim=True)", "return [1.0]")
    report = grade(softmax_exercise, source)
    assert report["score"] == 1  # only the ValueError check
    assert "torch.Tensor" in report["checks"][0]["feedback"]["en"]


def test_missing_function_is_named_in_the_feedback(softmax_exercise):
    report = grade(softmax_exercise, "import torch\ndef soft_max(z):\n    return z\n")
    assert report["score"] == 0
    assert "`softmax`" in report["checks"][0]["feedback"]["en"]


def test_infinite_loop_times_out(softmax_exercise, monkeypatch):
    monkeypatch.setitem(softmax_exercise.limits, "wall_seconds", 3)
    monkeypatch.setitem(softmax_exercise.limits, "cpu_seconds", 2)
    report = grade(softmax_exercise, "while True:\n    pass\n")
    assert report["status"] == "timeout"
    assert report["score"] == 0


def test_sleeping_past_the_deadline_times_out(softmax_exercise, monkeypatch):
    monkeypatch.setitem(softmax_exercise.limits, "wall_seconds", 3)
    report = grade(softmax_exercise, "import time\ntime.sleep(60)\n")
    assert report["status"] == "timeout"


def test_memory_bomb_hits_the_memory_limit(softmax_exercise):
    report = grade(softmax_exercise, "import torch\nx = torch.ones(4_000_000_000, dtype=torch.float64)\n")
    assert report["status"] == "memory_limit"
    assert report["score"] == 0


def test_huge_stdout_hits_the_output_limit(softmax_exercise):
    report = grade(softmax_exercise, "while True:\n    print('x' * 10000)\n")
    assert report["status"] == "output_limit"
    assert len(report["stdout"]) < 70 * 1024


def test_small_prints_are_kept_in_the_report(softmax_exercise):
    report = grade(softmax_exercise, "print('olá, corretor')\n" + SOLUTION)
    assert report["score"] == 10
    assert "olá, corretor" in report["stdout"]


def test_exit_at_import_is_an_error_not_a_pass(softmax_exercise):
    report = grade(softmax_exercise, "import sys\nsys.exit(0)\n")
    assert report["status"] == "error"
    assert report["score"] == 0


def test_hard_exit_inside_the_function_scores_nothing(softmax_exercise):
    report = grade(softmax_exercise, "import os\ndef softmax(z, temperature=1.0, dim=-1):\n    os._exit(0)\n")
    assert report["status"] == "error"
    assert report["score"] == 0


def test_oversized_code_is_refused_before_running(softmax_exercise):
    report = grade(softmax_exercise, "x = 1\n" * 20000)
    assert report["status"] == "error"
    assert "65536" in report["message"]["en"]


def test_non_utf8_code_is_refused_with_a_clear_message(softmax_exercise):
    report = grade(softmax_exercise, b"x = '\xff\xfe'\n")
    assert report["status"] == "error"
    assert "UTF-8" in report["message"]["en"]


def test_no_sandbox_means_no_run_and_no_charge(softmax_exercise, monkeypatch, tmp_path, path):
    from grader.sandbox.forkserver import ForkServer, ForkServerError

    def cannot_isolate(self, timeout=60):
        raise ForkServerError("user namespaces are disabled")

    marker = tmp_path / "ran"
    # No warm sandbox (the one seam replaced here) and no bwrap: nothing may run.
    engine.fork_server().stop()
    monkeypatch.setattr(ForkServer, "start", cannot_isolate)
    monkeypatch.setenv("GRADER_BWRAP", "/nonexistent/bwrap")
    sandbox.check_available.cache_clear()
    try:
        report = grade(softmax_exercise, f"open({str(marker)!r}, 'w').write('ran')\n" + SOLUTION)
    finally:
        sandbox.check_available.cache_clear()
    assert report["status"] == "sandbox_error"
    assert report["charged"] is False
    assert report["score"] == 0
    assert not marker.exists()


def test_a_broken_warm_job_is_a_sandbox_error_and_the_next_one_is_graded(tmp_path):
    from grader import sandbox as sandbox_module

    with pytest.raises(sandbox_module.SandboxUnavailable):
        engine.fork_server().run(tmp_path / "missing", [], sandbox_module.Limits())
    # The server is replaced and takes the next job.
    report = engine.grade(content.find_exercise("softmax-temperature", EXERCISES), SOLUTION, warm=True)
    assert report["score"] == 10


def test_cli_prints_one_json_report(tmp_path):
    submission = tmp_path / "mine.py"
    submission.write_text(NAIVE_SOFTMAX)
    result = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "softmax-temperature", str(submission), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"status", "score", "max_score", "checks", "duration_ms"} <= set(report)
    assert report["score"] == 7 and report["max_score"] == 10
    assert {"name", "passed", "score", "max_score", "feedback"} <= set(report["checks"][0])


def test_cli_accepts_an_exercise_folder(tmp_path):
    submission = tmp_path / "mine.py"
    submission.write_text(SOLUTION)
    folder = EXERCISES / "chatgpt" / "softmax-temperature"
    result = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(folder), str(submission), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["score"] == 10


def test_cli_explains_an_unknown_exercise(tmp_path):
    submission = tmp_path / "mine.py"
    submission.write_text("x = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "no-such-exercise", str(submission)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "no exercise 'no-such-exercise'" in result.stderr


def test_huge_file_is_an_output_limit(softmax_exercise):
    report = grade(softmax_exercise, "open('big', 'wb').write(b'x' * (200 * 1024 * 1024))\n")
    assert report["status"] == "output_limit"
    assert report["score"] == 0


def test_warm_and_cold_paths_give_the_same_report(softmax_exercise):
    for source in (SOLUTION, NAIVE_SOFTMAX, "import torch\ndef softmax(z:\n"):
        cold = engine.grade(softmax_exercise, source, seed=42, warm=False)
        warm = engine.grade(softmax_exercise, source, seed=42, warm=True)
        for report in (cold, warm):
            report.pop("duration_ms")
        assert warm == cold


def test_using_torch_softmax_is_refused_without_running(softmax_exercise):
    source = (
        "import torch\n\ndef softmax(z, temperature=1.0, dim=-1):\n    return torch.softmax(z / temperature, dim)\n"
    )
    report = grade(softmax_exercise, source)
    assert (report["status"], report["score"]) == ("graded", 0)
    assert report["rules"] == [{"line": 4, "name": "torch.softmax"}]
    assert "torch.softmax" in report["message"]["pt"]


def test_the_sandboxed_code_is_nobody_and_asking_does_not_fail(softmax_exercise):
    # PyTorch's compile caches call getpass.getuser(); there is no /etc/passwd inside.
    report = grade(softmax_exercise, "import getpass, os\nprint('user', getpass.getuser(), os.getuid())\n" + SOLUTION)
    assert report["score"] == 10
    assert "user nobody 65534" in report["stdout"]


def test_a_bool_tensor_is_an_answer_where_the_prompt_asks_for_zeros_and_ones():
    # `x > 0` is the natural ReLU derivative and `x @ w + b >= 0` the natural perceptron:
    # both return bool tensors, which used to be refused as "not a number: bool".
    derivatives = content.find_exercise("activation-derivatives", EXERCISES)
    source = (derivatives.path / "solution.py").read_text().replace("return (x > 0).to(x.dtype)", "return x > 0")
    assert "return x > 0" in source
    report = grade(derivatives, source)
    assert report["status"] == "graded" and report["score"] == report["max_score"], report["checks"]
    perceptron = content.find_exercise("perceptron-rule", EXERCISES)
    source = (perceptron.path / "solution.py").read_text()
    source = source.replace("return (x @ w + b >= 0).to(torch.int64)", "return x @ w + b >= 0")
    source = source.replace("error = yi - predict(w, b, xi)", "error = yi - predict(w, b, xi).to(x.dtype)")
    assert "return x @ w + b >= 0" in source
    report = grade(perceptron, source)
    assert report["status"] == "graded" and report["score"] == report["max_score"], report["checks"]
