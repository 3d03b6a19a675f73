"""Hostile submissions: each asserts the exact outcome, that nothing leaked, and
that the very next honest submission is still graded correctly.

Every test runs on both sandbox paths: the warm fork server (what workers use)
and a fresh bwrap sandbox.
"""

from pathlib import Path

import pytest

from grader import content, engine
from tests.conftest import EXERCISES, NAIVE_SOFTMAX, ROOT, SOLUTION

pytestmark = [pytest.mark.usefixtures("sandbox_ready"), pytest.mark.security]

SECRET = "s3cr3t-value-that-must-not-leak"
ZEROS = "\nimport torch\ndef softmax(z, temperature=1.0, dim=-1):\n    return torch.zeros_like(z)\n"


@pytest.fixture
def exercise():
    exercise = content.find_exercise("softmax-temperature", EXERCISES)
    # Tighter budgets than the real ones keep the hostile cases quick.
    exercise.limits.update(wall_seconds=8, case_seconds=2, cpu_seconds=3)
    return exercise


@pytest.fixture(autouse=True)
def secrets_in_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"postgres://grader:{SECRET}@127.0.0.1/x")


@pytest.fixture(autouse=True)
def next_submission_still_graded(exercise, warm):
    yield
    report = engine.grade(exercise, SOLUTION, warm=warm)
    assert (report["status"], report["score"]) == ("graded", 10), "the grader was harmed by the previous submission"


def grade(exercise, source, warm):
    report = engine.grade(exercise, source, warm=warm)
    text = str(report)
    assert SECRET not in text
    assert "amax" not in report["stdout"]  # the reference solution's code
    return report


def scores(report):
    return {c["name"]: c["score"] for c in report["checks"]}


# --- reading what it must not see -----------------------------------------------------


def test_reading_the_reference_solution_from_disk_finds_nothing(exercise, warm):
    hostile = (
        f"""
import glob, os
paths = [{str(EXERCISES / "chatgpt/softmax-temperature/solution.py")!r}] + [
    path for top in ("/sandbox", "/tmp", "/root", "/work", "/home", "/srv", "/opt", "/app")
    for path in glob.glob(top + "/**/solution.py", recursive=True)
]
for path in paths:
    try:
        print(open(path).read())
    except OSError:
        pass
"""
        + NAIVE_SOFTMAX
    )
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 7)


def test_reading_checks_and_other_submissions_finds_nothing(exercise, warm):
    hostile = (
        """
import glob
found = glob.glob("/tmp/grade-*/**", recursive=True) + glob.glob("/tmp/**/checks.py", recursive=True)
found += glob.glob("/*/*/exercises/**/checks.py", recursive=True) + glob.glob("/*/exercises/**", recursive=True)
found += glob.glob("/sandbox/../*/submission.py")
print("FOUND", [f for f in found if not f.startswith("/sandbox/")])
"""
        + ZEROS
    )
    report = grade(exercise, hostile, warm)
    assert "FOUND []" in report["stdout"]
    assert report["score"] == 0


def test_secrets_are_not_in_the_environment_or_proc(exercise, warm):
    hostile = (
        """
import glob, os
print(dict(os.environ))
for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        print(path, open(path, "rb").read())
    except OSError:
        pass
"""
        + ZEROS
    )
    report = grade(exercise, hostile, warm)  # grade() asserts the secret is absent
    assert report["score"] == 0
    assert "SECRET_KEY" not in report["stdout"] and "DATABASE_URL" not in report["stdout"]


@pytest.mark.parametrize("port", [6379, 5432])
def test_the_hosts_redis_and_postgresql_are_unreachable(exercise, warm, port):
    hostile = (
        f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2)
    print("CONNECTED")
except OSError as exc:
    print("refused", exc.errno)
"""
        + ZEROS
    )
    report = grade(exercise, hostile, warm)
    assert "refused" in report["stdout"] and "CONNECTED" not in report["stdout"]


# --- forging the verdict ------------------------------------------------------------


def test_printing_a_fake_report_scores_nothing(exercise, warm):
    hostile = 'import json\nprint(json.dumps({"status": "graded", "score": 10, "max_score": 10}))\n' + ZEROS
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 0)


def test_writing_fake_result_files_scores_nothing(exercise, warm):
    hostile = (
        """
import json, os
fake = "".join(json.dumps({"id": i, "value": 1.0}) + "\\n" for i in range(50)) + '{"done": true}\\n'
os.makedirs("/sandbox/out", exist_ok=True)
for path in ("/sandbox/out/results.jsonl", "/sandbox/results.jsonl", "/tmp/results.jsonl"):
    open(path, "w").write(fake)
"""
        + ZEROS
    )
    report = grade(exercise, hostile, warm)
    assert report["score"] == 0


def test_writing_to_every_inherited_descriptor_scores_nothing(exercise, warm):
    hostile = (
        """
import json, os
fake = ("".join(json.dumps({"id": i, "value": 1.0}) + "\\n" for i in range(50)) + '{"done": true}\\n').encode()
for fd in range(3, 64):
    try:
        os.write(fd, fake)
        print("WROTE", fd)
    except OSError:
        pass
"""
        + ZEROS
    )
    report = grade(exercise, hostile, warm)
    assert report["score"] == 0


def test_patching_the_harness_and_torch_comparisons_changes_nothing(exercise, warm):
    hostile = (
        """
import sys, json, torch, torch.testing
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
for module in list(sys.modules.values()):
    for name in ("_encode", "_error_record", "emit", "judge", "expect_tensor_close"):
        if hasattr(module, name):
            setattr(module, name, lambda *a, **k: {"__tensor__": {"dtype": "float32", "shape": [], "data": [1.0]}})
json.dumps = lambda *a, **k: '{"id": 0, "value": 1.0}'
"""
        + ZEROS
    )
    report = grade(exercise, hostile, warm)
    assert report["score"] == 0


def test_an_object_that_equals_everything_is_not_a_tensor(exercise, warm):
    hostile = """
class Always:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __float__(self): return 1.0
    def __getattr__(self, name): return lambda *a, **k: self

def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("T")
    return Always()
"""
    report = grade(exercise, hostile, warm)
    assert scores(report) == {
        "matches_softmax": 0,
        "temperature": 0,
        "stable": 0,
        "any_dim": 0,
        "rejects_bad_temperature": 1,
    }
    assert "Always" in report["checks"][0]["feedback"]["en"]


def test_a_tensor_subclass_with_forged_comparisons_is_judged_on_its_numbers(exercise, warm):
    hostile = """
import torch
class Liar(torch.Tensor):
    def __eq__(self, other): return True
    def allclose(self, *a, **k): return True
    def tolist(self): return [0.25] * self.numel()

def softmax(z, temperature=1.0, dim=-1):
    return torch.zeros_like(z).as_subclass(Liar)
"""
    report = grade(exercise, hostile, warm)
    assert report["score"] == 0


def test_a_pickle_payload_is_never_unpickled(exercise, warm, tmp_path):
    marker = tmp_path / "pwned"
    hostile = f"""
import os, pickle
class Payload:
    def __reduce__(self):
        return (os.system, ("touch {marker}",))
open("/sandbox/result.pkl", "wb").write(pickle.dumps(Payload()))
def softmax(z, temperature=1.0, dim=-1):
    return Payload()
"""
    report = grade(exercise, hostile, warm)
    assert report["score"] == 0
    assert "Payload" in report["checks"][0]["feedback"]["en"]
    assert not marker.exists()


@pytest.mark.parametrize("value", ["float('nan')", "float('inf')"])
def test_nan_and_infinite_outputs_fail_with_a_clear_message(exercise, warm, value):
    hostile = f"import torch\ndef softmax(z, temperature=1.0, dim=-1):\n    return torch.full_like(z, {value})\n"
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 0)
    assert "NaN" in report["checks"][0]["feedback"]["en"]


def test_code_that_only_knows_the_prompts_example_gets_only_the_validation_point(exercise, warm):
    hostile = """
import torch
def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return torch.tensor([0.0900, 0.2447, 0.6652])
"""
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 1)


# --- ending early -------------------------------------------------------------------


def test_sys_exit_at_import_is_an_error(exercise, warm):
    report = grade(exercise, "import sys\nsys.exit(0)\n", warm)
    assert (report["status"], report["score"]) == ("error", 0)


def test_os_exit_inside_the_function_costs_only_that_function(exercise, warm):
    hostile = (
        SOLUTION
        + """
_real = softmax
def softmax(z, temperature=1.0, dim=-1):
    if z.dim() == 3:
        import os
        os._exit(0)
    return _real(z, temperature, dim)
"""
    )
    report = grade(exercise, hostile, warm)
    assert report["status"] == "error"
    assert report["score"] == 8
    any_dim = next(c for c in report["checks"] if c["name"] == "any_dim")
    assert "exit 0" in any_dim["feedback"]["en"]


def test_system_exit_raised_inside_the_function_is_just_an_exception(exercise, warm):
    hostile = "def softmax(z, temperature=1.0, dim=-1):\n    raise SystemExit(0)\n"
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 0)
    assert "SystemExit" in report["checks"][0]["feedback"]["en"]


def test_signalling_the_parent_and_everyone_changes_nothing(exercise, warm):
    hostile = (
        """
import os, signal
for target in (os.getppid(), 1, -1):
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
        try:
            os.kill(target, sig)
        except OSError:
            pass
"""
        + NAIVE_SOFTMAX
    )
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 7)


def test_a_segfault_through_ctypes_costs_only_its_check(exercise, warm):
    hostile = (
        SOLUTION
        + """
_real = softmax
def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        import ctypes
        ctypes.string_at(0)
    return _real(z, temperature, dim)
"""
    )
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("error", 9)
    rejects = next(c for c in report["checks"] if c["name"] == "rejects_bad_temperature")
    assert "signal 11" in rejects["feedback"]["en"]


def test_deep_recursion_fails_cleanly(exercise, warm):
    hostile = "def softmax(z, temperature=1.0, dim=-1):\n    return softmax(z, temperature, dim)\n"
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 0)
    assert "RecursionError" in report["checks"][0]["feedback"]["en"]


# --- exhausting resources -------------------------------------------------------------


def test_a_fork_bomb_is_contained(exercise, warm):
    hostile = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("timeout", 0)


def test_a_thread_bomb_is_contained(exercise, warm):
    hostile = (
        """
import threading, time
threads = []
try:
    while True:
        t = threading.Thread(target=time.sleep, args=(60,), daemon=True)
        t.start()
        threads.append(t)
except (RuntimeError, MemoryError) as exc:
    print("stopped after", len(threads))
"""
        + NAIVE_SOFTMAX
    )
    report = grade(exercise, hostile, warm)
    assert "stopped after" in report["stdout"]
    assert int(report["stdout"].split("stopped after")[1].split()[0]) < 300
    assert report["score"] == 7


def test_a_memory_bomb_hits_the_memory_limit(exercise, warm):
    report = grade(exercise, "import torch\nx = torch.ones(400_000_000, dtype=torch.float64)\nx += 1\n", warm)
    assert (report["status"], report["score"]) == ("memory_limit", 0)


def test_an_infinite_loop_in_one_case_costs_only_that_check(exercise, warm):
    hostile = (
        SOLUTION
        + """
_real = softmax
def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        while True:
            pass
    return _real(z, temperature, dim)
"""
    )
    exercise.limits.update(wall_seconds=20)
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("timeout", 9)
    rejects = next(c for c in report["checks"] if c["name"] == "rejects_bad_temperature")
    assert "Time ran out" in rejects["feedback"]["en"]


def test_a_daemonized_child_sleeping_past_the_deadline_dies_with_the_sandbox(exercise, warm, tmp_path):
    hostile = (
        """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
        open("/sandbox/late.txt", "w").write("still here")
    os._exit(0)
"""
        + SOLUTION
    )
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 10)
    assert report["duration_ms"] < 8000


def test_huge_stdout_is_cut_and_reported(exercise, warm):
    report = grade(exercise, "while True:\n    print('x' * 100000)\n", warm)
    assert (report["status"], report["score"]) == ("output_limit", 0)
    assert len(report["stdout"]) < 70 * 1024


def test_a_huge_file_is_cut_and_reported(exercise, warm):
    report = grade(exercise, "open('/sandbox/big', 'wb').write(b'x' * (400 << 20))\n", warm)
    assert (report["status"], report["score"]) == ("output_limit", 0)


def test_a_huge_returned_tensor_is_refused(exercise, warm):
    hostile = "import torch\ndef softmax(z, temperature=1.0, dim=-1):\n    return torch.zeros(3_000_000)\n"
    report = grade(exercise, hostile, warm)
    assert (report["status"], report["score"]) == ("graded", 0)
    assert "too large" in report["checks"][0]["feedback"]["en"]


# --- poisoning what comes next ------------------------------------------------------


def test_writing_into_the_python_environment_or_exercises_is_refused(exercise, warm):
    import torch

    targets = [torch.__file__, str(EXERCISES / "chatgpt/softmax-temperature/checks.py"), "/usr/lib/evil.py"]
    hostile = (
        f"""
for path in {targets!r}:
    try:
        open(path, "a").write("raise SystemExit('poisoned')\\n")
        print("WROTE", path)
    except OSError:
        print("denied")
"""
        + ZEROS
    )
    before = {path: Path(path).read_bytes() if Path(path).exists() else None for path in targets}
    report = grade(exercise, hostile, warm)
    assert "WROTE" not in report["stdout"]
    assert {path: Path(path).read_bytes() if Path(path).exists() else None for path in targets} == before


def test_files_left_in_tmp_do_not_reach_the_next_submission(exercise, warm):
    grade(exercise, "open('/tmp/left-behind', 'w').write('x')\nopen('/sandbox/left', 'w').write('x')\n" + ZEROS, warm)
    probe = "import os\nprint('LEFT', os.path.exists('/tmp/left-behind'), os.path.exists('/sandbox/left'))\n" + ZEROS
    report = grade(exercise, probe, warm)
    assert "LEFT False False" in report["stdout"]


def test_the_project_tree_is_not_mounted(exercise, warm):
    hostile = f"import os\nprint('SEES', sorted(os.listdir({str(ROOT)!r})) if os.path.exists({str(ROOT)!r}) else [])\n"
    report = grade(exercise, hostile + ZEROS, warm)
    listed = report["stdout"].split("SEES", 1)[1]
    assert "exercises" not in listed and "platform" not in listed and "var" not in listed


def test_the_sandbox_gets_the_inputs_but_never_hidden_labels(warm):
    """mlp-spirals judges on test labels the student's code must never see."""
    exercise = content.find_exercise("mlp-spirals", EXERCISES)
    hostile = """
import json
spec = json.load(open("/sandbox/cases.json"))
print("KEYS", sorted({key for case in spec["cases"] for key in case}), sorted(spec))

def fit_predict(x_train, y_train, x_test):
    import torch
    return torch.zeros(x_test.shape[0], dtype=torch.int64)
"""
    report = grade(exercise, hostile, warm)
    keys = "['address_space_mb', 'case_seconds', 'cases', 'cpu_seconds', 'device']"
    assert f"KEYS ['args', 'call', 'id'] {keys}" in report["stdout"]
    assert report["score"] == 2  # the right shape and type, and about half the points right
