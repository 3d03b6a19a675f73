"""The system-call filter, on both sandbox paths: one hostile submission per refused family.

Each submission calls every system call of one family of `grader.sandbox.seccomp`
directly (ctypes, `libc.syscall(number, ...)`), with arguments the kernel would
answer otherwise (a descriptor, 0, EBADF, EINVAL, EFAULT...) were the call let
through, then prints what came back, and the test asserts the filter's answer:
EPERM, or ENOSYS for clone3. The submission then defines a correct softmax, so
its full score also proves grading went on.

Without the filter 66 of these 84 refusals answer something else here (checked
by swapping in an empty filter; `test_without_the_filter_the_io_uring_test_fails`
keeps one such control). The others (mount, umount2, pivot_root, move_mount,
fsopen, fsmount, fspick, chroot, kcmp, reboot, swapon, swapoff, acct, syslog,
vhangup, settimeofday, sethostname, setdomainname) meet the kernel's own EPERM
too, as the sandbox holds no capability: there the filter is the second wall,
and the test checks that both stand. The static rules are off here (they
would refuse `ctypes` before anything runs): these tests are about the
sandbox's own wall.

Every test runs on both sandbox paths: the warm fork server and a fresh bwrap sandbox.
"""

import ctypes
import errno

import pytest

from grader import content, engine
from grader.sandbox import seccomp
from tests.conftest import EXERCISES, SOLUTION

pytestmark = [pytest.mark.usefixtures("sandbox_ready"), pytest.mark.security]

EPERM, ENOSYS = errno.EPERM, errno.ENOSYS
CLONE_THREAD = 0x10000  # without CLONE_SIGHAND: EINVAL, so an unfiltered call starts no process
AT_FDCWD = -100

# family -> [(call, arguments as Python source, what the filter answers: an errno, or None for "let through")]
CALLS: dict[str, list[tuple[str, str, int | None]]] = {
    "io_uring": [
        ("io_uring_setup", "1, buf(120)", EPERM),
        ("io_uring_enter", "-1, 0, 0, 0, 0, 0", EPERM),
        ("io_uring_register", "-1, 0, 0, 0", EPERM),
    ],
    "keyrings": [
        ("keyctl", "0, -3, 0", EPERM),  # KEYCTL_GET_KEYRING_ID of the session keyring
        ("add_key", 'text("user"), text("k"), text("v"), 1, -2', EPERM),
        ("request_key", 'text("user"), text("nope"), 0, 0', EPERM),
    ],
    "bpf": [("bpf", "0, 0, 0", EPERM)],
    "perf": [("perf_event_open", "0, 0, -1, -1, 0", EPERM)],
    "userfaultfd": [("userfaultfd", "1", EPERM)],  # UFFD_USER_MODE_ONLY: a descriptor, unfiltered
    "ptrace": [
        ("ptrace", "0, 0, 0, 0", EPERM),  # PTRACE_TRACEME
        ("process_vm_readv", "1, 0, 0, 0, 0, 0", EPERM),
        ("process_vm_writev", "1, 0, 0, 0, 0, 0", EPERM),
        ("kcmp", "1, 1, 0, 0, 0", EPERM),
        ("pidfd_getfd", "-1, 0, 0", EPERM),
        ("process_madvise", "-1, 0, 0, 0, 0", EPERM),
    ],
    "mount": [
        ("mount", 'text("none"), text("/tmp"), text("tmpfs"), 0, 0', EPERM),
        ("umount2", 'text("/tmp"), 0', EPERM),
        ("pivot_root", 'text("/"), text("/")', EPERM),
        ("move_mount", '-1, text(""), -1, text(""), 0', EPERM),
        ("open_tree", f'{AT_FDCWD}, text("/"), 0', EPERM),  # a descriptor, unfiltered
        ("fsopen", 'text("tmpfs"), 0', EPERM),
        ("fsmount", "-1, 0, 0", EPERM),
        ("fsconfig", "-1, 0, 0, 0, 0", EPERM),
        ("fspick", f'{AT_FDCWD}, text("/"), 0', EPERM),
        ("mount_setattr", '-1, text(""), 0, 0, 0', EPERM),
        ("chroot", 'text("/")', EPERM),
    ],
    "namespaces": [
        ("unshare", "0", EPERM),  # unshare(0) succeeds, unfiltered
        ("setns", "-1, 0", EPERM),
        *[("clone", f"{hex(flag | CLONE_THREAD)}, 0, 0, 0, 0", EPERM) for flag in seccomp.CLONE_NAMESPACE_FLAGS],
        ("clone", f"{hex(CLONE_THREAD)}, 0, 0, 0, 0", None),  # no namespace flag: the kernel's own EINVAL
        ("clone3", "0, 0", ENOSYS),
    ],
    "modules": [
        ("init_module", '0, 0, text("")', EPERM),
        ("finit_module", '-1, text(""), 0', EPERM),
        ("delete_module", 'text("nope"), 0', EPERM),
        ("create_module", "0, 0", EPERM),
        ("get_kernel_syms", "0", EPERM),
        ("query_module", "0, 0, 0, 0, 0", EPERM),
    ],
    "kexec": [("kexec_load", "0, 0, 0, 0", EPERM), ("kexec_file_load", "-1, -1, 0, 0, 0", EPERM)],
    "file_handles": [
        ("open_by_handle_at", "-1, 0, 0", EPERM),
        ("name_to_handle_at", f'{AT_FDCWD}, text("/"), buf(136), buf(8), 0', EPERM),  # EOVERFLOW, unfiltered
    ],
    "reboot": [("reboot", "0, 0, 0, 0", EPERM)],
    "swap": [("swapon", "0, 0", EPERM), ("swapoff", "0", EPERM)],
    "accounting": [("acct", "0", EPERM)],
    "clock": [
        ("settimeofday", "0, 0", EPERM),
        ("clock_settime", "0, 0", EPERM),
        ("adjtimex", "0", EPERM),
        ("clock_adjtime", "0, 0", EPERM),
    ],
    "quota": [("quotactl", "0, 0, 0, 0", EPERM), ("quotactl_fd", "-1, 0, 0, 0", EPERM)],
    "kernel_log": [("syslog", "10, 0, 0", EPERM)],
    "terminal": [("vhangup", "", EPERM)],
    "port_io": [("iopl", "0", EPERM), ("ioperm", "0, 0, 0", EPERM)],
    "hostname": [("sethostname", 'text("x"), 1', EPERM), ("setdomainname", 'text("x"), 1', EPERM)],
    "fanotify": [("fanotify_init", "0x200, 0", EPERM)],  # FAN_REPORT_FID needs no privilege, unfiltered
    "obsolete": [
        ("lookup_dcookie", "0, 0, 0", EPERM),
        ("nfsservctl", "0, 0, 0", EPERM),
        ("uselib", "0", EPERM),
        ("ustat", "0, 0", EPERM),
        ("sysfs", '1, text("proc")', EPERM),  # a file system's index, unfiltered
        ("_sysctl", "0", EPERM),
        ("afs_syscall", "", EPERM),
        ("getpmsg", "", EPERM),
        ("putpmsg", "", EPERM),
        ("security", "", EPERM),
        ("tuxcall", "", EPERM),
        ("vserver", "", EPERM),
    ],
    "lsm": [
        ("lsm_get_self_attr", "0, 0, 0, 0", EPERM),
        ("lsm_set_self_attr", "0, 0, 0, 0", EPERM),
        ("lsm_list_modules", "0, 0, 0", EPERM),
    ],
    "sockets": [
        ("socket", f"{seccomp.AF_ALG}, 5, 0", EPERM),
        ("socket", f"{seccomp.AF_VSOCK}, 1, 0", EPERM),
        ("socket", "1, 1, 0", None),  # AF_UNIX stays
    ],
    "personality": [
        ("personality", "0x0040000", EPERM),  # ADDR_NO_RANDOMIZE
        ("personality", "0x0400000", EPERM),  # READ_IMPLIES_EXEC
        ("personality", "0x1", EPERM),
        ("personality", "0x100000000", EPERM),
        ("personality", "0xFFFFFFFF", None),  # the query
        ("personality", "0x0", None),
    ],
}

PRELUDE = """
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_kept = []

def buf(size):
    block = ctypes.create_string_buffer(size)
    _kept.append(block)
    return ctypes.addressof(block)

def text(value):
    return buf_of(value.encode())

def buf_of(data):
    block = ctypes.create_string_buffer(data)
    _kept.append(block)
    return ctypes.addressof(block)

def call(label, number, *args):
    ctypes.set_errno(0)
    rc = _libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
    print("SYSCALL", label, rc, ctypes.get_errno() if rc == -1 else 0, flush=True)
"""


def numbers() -> dict[str, int]:
    import pyseccomp

    lib = pyseccomp
    return {
        name: number
        for family in CALLS.values()
        for name, _, _ in family
        if (number := seccomp._number(lib, name)) is not None
    }


def hostile(family: str) -> tuple[str, list[tuple[str, int | None]]]:
    """The submission calling a family's system calls, and what each must answer."""
    known = numbers()
    lines, expected = [PRELUDE], []
    for index, (name, args, answer) in enumerate(CALLS[family]):
        if name not in known:
            continue  # not a call of this architecture
        label = f"{name}#{index}"
        lines.append(f"call({label!r}, {known[name]}{', ' if args else ''}{args})")
        expected.append((label, answer))
    return "\n".join(lines) + "\n" + SOLUTION, expected


@pytest.fixture
def exercise():
    exercise = content.find_exercise("softmax-temperature", EXERCISES)
    exercise.limits.update(wall_seconds=8, case_seconds=2, cpu_seconds=3)
    exercise.forbid = []  # the static rules would refuse ctypes before anything runs
    return exercise


def answers(report) -> dict[str, tuple[int, int]]:
    found = {}
    for line in report["stdout"].splitlines():
        if line.startswith("SYSCALL "):
            _, label, rc, code = line.split()
            found[label] = (int(rc), int(code))
    return found


def test_every_refused_family_has_a_hostile_submission():
    assert set(CALLS) == {family.name for family in seccomp.FAMILIES}
    for family in seccomp.FAMILIES:
        called = {name for name, _, _ in CALLS[family.name]}
        present = {name for name in family.names if name in numbers()}
        assert present <= called, f"{family.name}: no hostile call of {sorted(present - called)}"


@pytest.mark.parametrize("family", sorted(CALLS))
def test_each_refused_family_is_refused(exercise, warm, family):
    source, expected = hostile(family)
    report = engine.grade(exercise, source, warm=warm)
    got = answers(report)
    assert (report["status"], report["score"]) == ("graded", 10), report["stderr"][-2000:]
    for label, answer in expected:
        assert label in got, f"{label} printed nothing: {report['stdout'][-2000:]}"
        rc, code = got[label]
        if answer is None:
            assert (rc, code) != (-1, EPERM), f"{label} must be let through"
        else:
            assert (rc, code) == (-1, answer), f"{label}: {rc}, {errno.errorcode.get(code, code)}"


def _host_has_io_uring() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(ctypes.c_long(numbers()["io_uring_setup"]), ctypes.c_long(1), params)
    if fd < 0:
        return False
    import os

    os.close(fd)
    return True


def test_without_the_filter_the_io_uring_test_fails(exercise, monkeypatch):
    """The control: the same submission on a sandbox whose filter lets io_uring through gets a descriptor."""
    if not _host_has_io_uring():
        pytest.skip("io_uring is switched off on this host")
    without = [rule for rule in seccomp.sandbox_rules() if "io_uring_setup" not in rule.names]
    monkeypatch.setattr(seccomp, "sandbox_bpf", lambda: seccomp.compile_bpf(without))
    source, _ = hostile("io_uring")
    report = engine.grade(exercise, source, warm=False)  # the cold path compiles its filter in this process
    rc, code = answers(report)["io_uring_setup#0"]
    assert rc >= 0, f"io_uring_setup answered {errno.errorcode.get(code, code)} even without the filter"


THREADS = """
import threading, torch
torch.set_num_threads(2)
done = []
worker = threading.Thread(target=lambda: done.append(torch.ones(64, 64).matmul(torch.ones(64, 64)).sum().item()))
worker.start()
worker.join()
print("THREADS", done, torch.get_num_threads())
"""


def test_threads_still_start_through_clone(exercise, warm):
    """glibc meets clone3's ENOSYS and falls back to clone: Python and PyTorch threads work."""
    report = engine.grade(exercise, THREADS + SOLUTION, warm=warm)
    assert (report["status"], report["score"]) == ("graded", 10), report["stderr"][-2000:]
    assert "THREADS [262144.0] 2" in report["stdout"]


def test_an_ordinary_training_still_works(warm):
    """A small network trained with autograd and an optimizer, under the filter (the selftest grades them all)."""
    exercise = content.find_exercise("mlp-spirals", EXERCISES)
    report = engine.grade(exercise, (exercise.path / "solution.py").read_text(), warm=warm)
    assert report["status"] == "graded", report["stderr"][-2000:]
    assert report["score"] == report["max_score"]
