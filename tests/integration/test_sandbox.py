"""The sandbox on its own: what code inside can and cannot see or do."""

import json
import os
import socket
import sys

import pytest

from grader import sandbox
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("sandbox_ready")


_PATH = {"warm": False}


@pytest.fixture(params=["cold", "warm"], autouse=True)
def path(request):
    """Each property must hold in the bwrap sandbox and in the warm fork server's children."""
    _PATH["warm"] = request.param == "warm"
    yield request.param
    _PATH["warm"] = False


def run_python(tmp_path, code: str, **limits):
    if not _PATH["warm"]:
        (tmp_path / "script.py").write_text(code)
        return sandbox.run(tmp_path, [sys.executable, "-I", "/sandbox/script.py"], sandbox.Limits(**limits))
    # The warm child runs the probe, which executes submission.py when it imports it.
    from grader import engine

    (tmp_path / "submission.py").write_text(code)
    limits = sandbox.Limits(**limits)
    (tmp_path / "cases.json").write_text(json.dumps({"cases": [], "device": "cpu", **limits.probe_spec()}))
    (tmp_path / "out").mkdir()
    return engine.fork_server().run(tmp_path, [], limits)


def test_code_runs_as_nobody_in_its_private_work_dir(tmp_path):
    run = run_python(tmp_path, "import os\nprint(os.getuid(), os.getcwd())\nopen('out.txt','w').write('hi')\n")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.split() == ["65534", "/sandbox"]
    if not _PATH["warm"]:  # the warm child writes into a work dir of its own, removed afterwards
        assert (tmp_path / "out.txt").read_text() == "hi"


def test_environment_holds_no_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgres://secret@db/x")
    code = "import os\nprint(sorted(os.environ))\nprint(open('/proc/1/environ','rb').read())\n"
    run = run_python(tmp_path, code)
    assert run.exit_code == 0, run.stderr
    assert "do-not-leak" not in run.stdout and "DATABASE_URL" not in run.stdout
    assert "SECRET_KEY" not in run.stdout


def test_there_is_no_network(tmp_path):
    # A real listener on the host: the sandbox must not reach it.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        code = (
            "import socket\n"
            "s = socket.socket()\ns.settimeout(2)\n"
            f"try:\n    s.connect(('127.0.0.1', {port}))\n    print('CONNECTED')\n"
            "except OSError as e:\n    print('refused', e.errno)\n"
            "print([name for _, name in socket.if_nameindex()])\n"
        )
        run = run_python(tmp_path, code)
    finally:
        server.close()
    assert run.exit_code == 0, run.stderr
    assert "CONNECTED" not in run.stdout
    assert "['lo']" in run.stdout


def test_project_files_and_exercises_are_invisible(tmp_path):
    targets = [ROOT / "exercises" / "chatgpt" / "softmax-temperature" / "solution.py", ROOT / "var", "/etc/passwd"]
    code = "import os\n" + "".join(f"print(os.path.exists({str(t)!r}))\n" for t in targets)
    # Only the Python environment is mounted: if it lives in the repository, the
    # repository folder exists but holds nothing else.
    code += f"print(os.path.exists({str(ROOT)!r}) and bool(set(os.listdir({str(ROOT)!r})) - {{'.venv'}}))\n"
    run = run_python(tmp_path, code)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.split() == ["False"] * (len(targets) + 1)


def test_system_and_python_are_read_only(tmp_path):
    code = (
        "import sys, os\n"
        "for path in ['/usr/evil', os.path.join(sys.prefix, 'evil.py')]:\n"
        "    try:\n        open(path, 'w').write('x')\n        print('WROTE', path)\n"
        "    except OSError as e:\n        print('denied')\n"
    )
    run = run_python(tmp_path, code)
    assert run.stdout.split() == ["denied", "denied"], run.stdout + run.stderr


def test_host_processes_are_invisible(tmp_path):
    run = run_python(tmp_path, "import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n")
    pids = eval(run.stdout)  # noqa: S307 - our own printed list
    assert os.getpid() not in pids
    assert max(pids) < 10


def test_the_whole_tree_dies_at_the_deadline(tmp_path):
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n    os.setsid()\n    time.sleep(30)\n    open('late.txt','w').write('x')\n"
        "time.sleep(30)\n"
    )
    run = run_python(tmp_path, code, wall_seconds=2)
    assert run.timed_out
    assert run.duration_ms < 10_000
    assert not (tmp_path / "late.txt").exists()


def test_large_files_are_stopped(tmp_path):
    run = run_python(tmp_path, "open('big', 'wb').write(b'x' * (64 * 1024 * 1024))\n", file_size_mb=1)
    # CPython ignores SIGXFSZ, so the write fails with EFBIG (the probe reports it as output_limit).
    assert run.exit_code != 0 or b'"fatal": "output_limit"' in run.results
    if not _PATH["warm"]:
        assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_cpu_time_is_limited_and_measured(tmp_path):
    run = run_python(tmp_path, "while True:\n    pass\n", cpu_seconds=1, wall_seconds=20)
    assert not run.timed_out
    assert stopped_for_cpu(run)


def stopped_for_cpu(run) -> bool:
    # bwrap's child is the process itself; in the warm path the probe's
    # supervisor outlives its runner and reports why it ended.
    return run.cpu_exceeded or b'"fatal": "timeout"' in run.results


def test_ignoring_sigxcpu_still_ends_at_the_hard_cpu_limit(tmp_path):
    code = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n"
    run = run_python(tmp_path, code, cpu_seconds=1, wall_seconds=20)
    assert not run.timed_out
    assert stopped_for_cpu(run)


def test_read_only_roots_under_tmp_stay_visible_in_the_warm_sandbox(tmp_path):
    """A virtualenv in a checkout under /tmp must not be hidden by the sandbox's private /tmp."""
    from grader.sandbox import isolation

    env_dir = tmp_path / "venv"
    env_dir.mkdir()
    (env_dir / "marker.txt").write_text("visible")
    (tmp_path / "root").mkdir()
    (tmp_path / "work").mkdir()
    assert str(env_dir).startswith("/tmp/")
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            layout = isolation.Layout(str(tmp_path / "root"), str(tmp_path / "work"), [str(env_dir)], [])
            isolation.enter_sandbox(layout)
            code = 0 if (env_dir / "marker.txt").read_text() == "visible" and os.getcwd() == "/sandbox" else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
