"""The system-call policy beyond the sandbox: the worker container's profile, and no filter means no grading."""

import json
import subprocess
import sys
import textwrap

import pytest

from grader import content, engine, sandbox
from grader.sandbox import seccomp
from grader.sandbox.forkserver import ForkServer, ForkServerError
from tests.conftest import EXERCISES, ROOT, SOLUTION

pytestmark = [pytest.mark.usefixtures("sandbox_ready"), pytest.mark.security]

PROFILE = ROOT / "deploy" / "seccomp-worker.json"


def test_the_committed_container_profile_is_the_generated_one():
    generated = subprocess.run(
        [sys.executable, "-m", "grader", "seccomp-profile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert generated.returncode == 0, generated.stderr
    assert PROFILE.read_text() == generated.stdout, "run: python -m grader seccomp-profile > deploy/seccomp-worker.json"


def _refusals(entries) -> set[tuple]:
    return {
        (name, entry["errnoRet"], tuple(sorted((k, v) for a in entry.get("args", []) for k, v in a.items())))
        for entry in entries
        for name in entry["names"]
    }


def test_the_container_profile_is_the_policy_less_what_builds_the_sandbox():
    profile = json.loads(PROFILE.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    assert all(entry["action"] == "SCMP_ACT_ERRNO" for entry in profile["syscalls"])
    in_sandbox = [{"names": list(r.names), "errnoRet": r.errno, **_args(r)} for r in seccomp.sandbox_rules()]
    allowed_in_container = _refusals(in_sandbox) - _refusals(profile["syscalls"])
    # Exactly what bwrap and the fork server call to build a sandbox; each is refused inside it.
    assert {name for name, _, _ in allowed_in_container} == {
        "clone",
        "unshare",
        "mount",
        "umount",
        "umount2",
        "pivot_root",
    }
    assert {args for name, _, args in allowed_in_container if name == "clone"} == {
        (("index", 0), ("op", "SCMP_CMP_MASKED_EQ"), ("value", flag), ("valueTwo", flag))
        for flag in seccomp.CLONE_NAMESPACE_FLAGS
    }
    assert _refusals(profile["syscalls"]) <= _refusals(in_sandbox)
    for name in ("io_uring_setup", "keyctl", "bpf", "ptrace", "setns", "open_by_handle_at", "init_module"):
        assert any(name in entry["names"] for entry in profile["syscalls"]), name


def _args(rule) -> dict:
    if rule.arg is None:
        return {}
    masked = rule.arg.op == "MASKED_EQ"
    return {
        "args": [
            {
                "index": rule.arg.index,
                "value": rule.arg.mask if masked else rule.arg.value,
                "valueTwo": rule.arg.value if masked else 0,
                "op": f"SCMP_CMP_{rule.arg.op}",
            }
        ]
    }


UNDER_THE_CONTAINER_PROFILE = """
import ctypes, errno, os, sys
from grader.sandbox import bwrap, isolation, seccomp
from grader.sandbox.forkserver import ForkServer

libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(38, 1, 0, 0, 0) == 0  # no_new_privs, as in a container
seccomp.install(seccomp.compile_bpf(seccomp.container_rules()))
params = ctypes.create_string_buffer(120)
assert libc.syscall(425, 1, params) == -1 and ctypes.get_errno() == errno.EPERM, "io_uring in the worker"
print("bwrap", bwrap.check_available())
pid = os.fork()
if pid == 0:
    code = 1
    try:
        root, work = sys.argv[1], sys.argv[2]
        isolation.enter_sandbox(isolation.Layout(root, work, [], []))
        code = 0 if os.getcwd() == "/sandbox" else 3
    finally:
        os._exit(code)
_, status = os.waitpid(pid, 0)
print("isolation", os.waitstatus_to_exitcode(status))
server = ForkServer()
server.start()  # its self-test runs an empty job in a filtered child
print("fork server", server.alive)
server.stop()
"""


def test_bwrap_and_the_fork_server_build_sandboxes_under_the_container_profile(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "work").mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(UNDER_THE_CONTAINER_PROFILE),
            str(tmp_path / "root"),
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:3] == ["bwrap (True, 'ok')", "isolation 0", "fork server True"], done.stdout


def test_the_policy_refuses_personality_values_exactly_as_defined():
    import random

    rng = random.Random(12)
    values = [*seccomp.PERSONALITY_ALLOWED, 1 << 32, 0x40000, 0x20009, 0xFFFFFFFE]
    values += [1 << bit for bit in range(64)] + [0xFFFFFFFF ^ (1 << bit) for bit in range(32)]
    values += [rng.getrandbits(32) for _ in range(5000)] + [rng.getrandbits(64) for _ in range(500)]
    for value in values:
        assert (seccomp.refused("personality", (value,)) is None) == (value in seccomp.PERSONALITY_ALLOWED), hex(value)


@pytest.fixture
def no_libseccomp(monkeypatch):
    def missing():
        raise seccomp.SeccompUnavailable("libseccomp cannot be loaded (removed for this test)")

    engine.fork_server().stop()
    monkeypatch.setattr(seccomp, "_libseccomp", missing)
    seccomp.sandbox_bpf.cache_clear()
    sandbox.check_available.cache_clear()
    yield
    monkeypatch.undo()
    seccomp.sandbox_bpf.cache_clear()
    sandbox.check_available.cache_clear()


def test_a_fork_server_without_the_filter_does_not_start(no_libseccomp):
    import socket

    from grader.sandbox import forkserver

    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with left, right, pytest.raises(seccomp.SeccompUnavailable):
        forkserver._Server(left)


@pytest.mark.parametrize("warm", [True, False])
def test_without_libseccomp_nothing_runs_and_nothing_is_charged(no_libseccomp, monkeypatch, tmp_path, warm):
    # A fork server would fail the same way at start (it compiles the filter before anything else, as
    # the test above shows); it runs in a process of its own, so its failure is played here.
    def cannot_filter(self, timeout=60):
        raise ForkServerError("fork server exited at start: libseccomp cannot be loaded")

    monkeypatch.setattr(ForkServer, "start", cannot_filter)
    assert sandbox.check_available()[0] is False
    marker = tmp_path / "ran"
    exercise = content.find_exercise("softmax-temperature", EXERCISES)
    report = engine.grade(exercise, f"open({str(marker)!r}, 'w').write('ran')\n" + SOLUTION, warm=warm)
    assert (report["status"], report["charged"], report["score"]) == ("sandbox_error", False, 0)
    assert "libseccomp" in report["message"]["en"]
    assert not marker.exists()
