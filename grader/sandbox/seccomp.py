"""The system-call filter: one policy, compiled for the sandbox on both paths and for the worker's container.

Modelled on Docker's default seccomp profile, as it applies to a container
without capabilities, but written as a deny list over a default of ALLOW:
Docker's allow list names each of ~360 system calls, and a call PyTorch or the
CUDA driver needs that is missing from such a list (a new kernel's, or an
`ioctl`-heavy driver's) would break GPU jobs in ways only a GPU machine shows.
Here every family that Docker refuses to an unprivileged container is refused
by name, with EPERM (as Docker does), and everything else is the kernel's own
business (namespaces, no capabilities, rlimits and cgroups still apply).

- Inside the sandbox (`sandbox_bpf`): every rule. The cold path hands the
  compiled program to bwrap (`--seccomp FD`), which installs it just before it
  executes the probe; the warm path's prepared child installs the same bytes
  (`install`) once it is isolated, has no capabilities and has set
  no_new_privs, before it waits for its job. Syscalls of another architecture
  (32-bit `int 0x80` from a 64-bit process) kill the process: a deny list by
  number must not be bypassed by the other table.
- The grading worker's container (`container_profile`, written to
  `deploy/seccomp-worker.json` by `python -m grader seccomp-profile`): the same
  rules in Docker's JSON format, except the few that bwrap and the fork server
  need to build the sandbox (`Rule.builds_sandbox`: clone with namespace flags,
  unshare, mount, umount2, pivot_root), which the in-sandbox filter refuses.

If libseccomp cannot be loaded, `SeccompUnavailable` is raised and no job runs:
the sandbox never runs unfiltered.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
from dataclasses import dataclass
from functools import lru_cache

EPERM = errno.EPERM
ENOSYS = errno.ENOSYS

# Namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
# (CLONE_NEWTIME shares its bit with the exit signal in clone(2); only unshare and clone3 take it).
CLONE_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
# personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query.
PERSONALITY_ALLOWED = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)
AF_ALG = 38  # the kernel's crypto API as sockets
AF_VSOCK = 40  # the hypervisor's sockets: not namespaced, so they would reach the host of a VM
# System calls newer than some libseccomp releases know, by number where it does not (x86-64).
X86_64_NUMBERS = {"lsm_get_self_attr": 459, "lsm_set_self_attr": 460, "lsm_list_modules": 461}
AUDIT_ARCH_X86_64 = 0xC000003E
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class SeccompUnavailable(RuntimeError):
    """The filter cannot be built here: nothing may run."""


@dataclass(frozen=True)
class Compare:
    """One comparison of a system call's argument: `arg OP value`, or `arg & mask == value` for MASKED_EQ."""

    index: int
    op: str  # "EQ", "GT" or "MASKED_EQ"
    value: int
    mask: int = 0

    def matches(self, args: tuple[int, ...]) -> bool:
        arg = args[self.index] & 0xFFFFFFFFFFFFFFFF
        if self.op == "EQ":
            return arg == self.value
        if self.op == "GT":
            return arg > self.value
        if self.op == "MASKED_EQ":
            return arg & self.mask == self.value
        raise ValueError(self.op)


@dataclass(frozen=True)
class Rule:
    """Refuse `names` (when `arg` holds, if given) with `errno`."""

    names: tuple[str, ...]
    errno: int = EPERM
    arg: Compare | None = None
    # bwrap and the fork server need it to build the sandbox: refused inside it, allowed in the container.
    builds_sandbox: bool = False


@dataclass(frozen=True)
class Family:
    name: str
    why: str
    rules: tuple[Rule, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for rule in self.rules for name in rule.names))


def _refuse(*names: str, builds_sandbox: bool = False) -> tuple[Rule, ...]:
    return (Rule(names, builds_sandbox=builds_sandbox),)


def _personality_rules() -> tuple[Rule, ...]:
    """personality(2) refused unless its argument is one of PERSONALITY_ALLOWED.

    A filter compares each argument once per rule (libseccomp, and Docker's JSON,
    OR the rules of a call together), so "not one of these values" is spelt
    with single masked comparisons: any value above 32 bits; else, with
    `allowed` the flag bits of the allowed values other than the query
    (0xFFFFFFFF), a value is refused when it has a bit outside `allowed` and is
    not the query, i.e. (pivoting on bit 0, itself outside `allowed`) when a
    bit b outside `allowed` is set and bit 0 is clear, or bit 0 is set and some
    other bit c is clear. A unit test checks this against the plain definition.
    """
    allowed = 0
    for value in PERSONALITY_ALLOWED:
        if value != 0xFFFFFFFF:
            allowed |= value
    assert not allowed & 1
    rules = [Rule(("personality",), arg=Compare(0, "GT", 0xFFFFFFFF))]
    for bit in range(1, 32):
        if not allowed & (1 << bit):
            rules.append(Rule(("personality",), arg=Compare(0, "MASKED_EQ", 1 << bit, (1 << bit) | 1)))
    for bit in range(1, 32):
        rules.append(Rule(("personality",), arg=Compare(0, "MASKED_EQ", 1, (1 << bit) | 1)))
    return tuple(rules)


FAMILIES: tuple[Family, ...] = (
    Family(
        "io_uring",
        "a large kernel interface that bypasses per-call checks, a frequent source of privilege escalations",
        _refuse("io_uring_setup", "io_uring_enter", "io_uring_register"),
    ),
    Family(
        "keyrings",
        "kernel keyrings are not namespaced: another job's keys",
        _refuse("keyctl", "add_key", "request_key"),
    ),
    Family("bpf", "loading programs into the kernel", _refuse("bpf")),
    Family("perf", "performance counters: kernel addresses and side channels", _refuse("perf_event_open")),
    Family("userfaultfd", "stalls the kernel mid-copy, a staple of race exploits", _refuse("userfaultfd")),
    Family(
        "ptrace",
        "reading or steering another process",
        _refuse("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise"),
    ),
    Family(
        "mount",
        "changing what the sandbox sees",
        _refuse("mount", "umount", "umount2", "pivot_root", builds_sandbox=True)
        + _refuse("move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr", "chroot"),
    ),
    Family(
        "namespaces",
        "a new user namespace hands its creator every capability inside it, and a way to all of the above",
        _refuse("unshare", builds_sandbox=True)
        + _refuse("setns")
        + tuple(
            Rule(("clone",), arg=Compare(0, "MASKED_EQ", flag, flag), builds_sandbox=True)
            for flag in CLONE_NAMESPACE_FLAGS
        )
        # clone3 passes its flags in memory, which a filter cannot read: ENOSYS makes glibc fall back to clone.
        + (Rule(("clone3",), errno=ENOSYS),),
    ),
    Family(
        "modules",
        "loading kernel code",
        _refuse("init_module", "finit_module", "delete_module", "create_module", "get_kernel_syms", "query_module"),
    ),
    Family("kexec", "replacing the running kernel", _refuse("kexec_load", "kexec_file_load")),
    Family(
        "file_handles",
        "opening files by handle walks around the mount namespace",
        _refuse("open_by_handle_at", "name_to_handle_at"),
    ),
    Family("reboot", "the machine's power", _refuse("reboot")),
    Family("swap", "the machine's swap", _refuse("swapon", "swapoff")),
    Family("accounting", "process accounting", _refuse("acct")),
    Family(
        "clock",
        "the system clock is not namespaced",
        _refuse("settimeofday", "stime", "clock_settime", "adjtimex", "clock_adjtime"),
    ),
    Family("quota", "disk quotas", _refuse("quotactl", "quotactl_fd")),
    Family("kernel_log", "the kernel's log and its addresses", _refuse("syslog")),
    Family("terminal", "hanging up the terminal", _refuse("vhangup")),
    Family("port_io", "direct hardware port access", _refuse("iopl", "ioperm")),
    Family("hostname", "names of the host", _refuse("sethostname", "setdomainname")),
    Family("fanotify", "watching the whole filesystem", _refuse("fanotify_init")),
    Family(
        "obsolete",
        "old or never implemented calls nothing needs",
        _refuse(
            "lookup_dcookie",
            "nfsservctl",
            "uselib",
            "ustat",
            "sysfs",
            "_sysctl",
            "afs_syscall",
            "getpmsg",
            "putpmsg",
            "security",
            "tuxcall",
            "vserver",
        ),
    ),
    Family(
        "lsm", "the security modules' attributes", _refuse("lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules")
    ),
    Family(
        "sockets",
        "AF_ALG (kernel crypto, a source of exploits) and AF_VSOCK (reaches a VM's host: not namespaced)",
        (Rule(("socket",), arg=Compare(0, "EQ", AF_ALG)), Rule(("socket",), arg=Compare(0, "EQ", AF_VSOCK))),
    ),
    Family("personality", "execution domains and flags such as ADDR_NO_RANDOMIZE", _personality_rules()),
)


def sandbox_rules() -> list[Rule]:
    """Every rule: what code inside the sandbox is refused."""
    return [rule for family in FAMILIES for rule in family.rules]


def container_rules() -> list[Rule]:
    """What the worker's container is refused: all but what building the sandbox needs."""
    return [rule for rule in sandbox_rules() if not rule.builds_sandbox]


def refused(name: str, args: tuple[int, ...], rules: list[Rule] | None = None) -> int | None:
    """The errno the policy answers for this call, or None if it lets it through (tests, docs)."""
    padded = tuple(args) + (0,) * (6 - len(args))
    for rule in sandbox_rules() if rules is None else rules:
        if name in rule.names and (rule.arg is None or rule.arg.matches(padded)):
            return rule.errno
    return None


# --- compiled for the sandbox ---------------------------------------------------------


def _libseccomp():
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError) as exc:
        reason = f"libseccomp cannot be loaded ({exc}); install the Debian package libseccomp2"
        raise SeccompUnavailable(reason) from exc
    return pyseccomp


def _number(lib, name: str) -> int | None:
    """The call's number on this machine; None where this architecture has no such call."""
    number = lib.resolve_syscall(lib.Arch.NATIVE, name)
    if number >= 0:
        return number
    if lib.system_arch() == AUDIT_ARCH_X86_64 and name in X86_64_NUMBERS:
        return X86_64_NUMBERS[name]
    return None  # not a call of this architecture (e.g. umount or stime on x86-64)


def compile_bpf(rules: list[Rule]) -> bytes:
    """The rules as a BPF program for this machine's architecture (default: allow)."""
    lib = _libseccomp()
    try:
        program = lib.SyscallFilter(lib.ALLOW)
        program.set_attr(lib.Attr.ACT_BADARCH, lib.KILL_PROCESS)
        for rule in rules:
            action = lib.ERRNO(rule.errno)
            args = []
            if rule.arg is not None:
                op = getattr(lib, rule.arg.op)
                if rule.arg.op == "MASKED_EQ":
                    args = [lib.Arg(rule.arg.index, op, rule.arg.mask, rule.arg.value)]
                else:
                    args = [lib.Arg(rule.arg.index, op, rule.arg.value)]
            for name in rule.names:
                number = _number(lib, name)
                if number is not None:
                    program.add_rule(action, number, *args)
        fd = os.memfd_create("grader-seccomp", os.MFD_CLOEXEC)
        try:
            with os.fdopen(os.dup(fd), "rb", closefd=True) as reader:
                program.export_bpf(reader)
            os.lseek(fd, 0, os.SEEK_SET)
            chunks = []
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise SeccompUnavailable(f"libseccomp could not build the filter: {exc}") from exc
    program_bytes = b"".join(chunks)
    if not program_bytes or len(program_bytes) % 8:
        raise SeccompUnavailable("libseccomp exported an empty or malformed filter")
    return program_bytes


@lru_cache(maxsize=1)
def sandbox_bpf() -> bytes:
    """The compiled in-sandbox filter (cached: the policy does not change while a worker lives)."""
    return compile_bpf(sandbox_rules())


def bpf_fd(program: bytes) -> int:
    """A descriptor to read the program from (bwrap's --seccomp FD), positioned at its start; the caller closes it."""
    fd = os.memfd_create("grader-seccomp")
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(program: bytes) -> None:
    """Install the program on the calling (single-threaded) process; needs no_new_privs set first."""
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"seccomp filter: {os.strerror(code)}")


# --- the worker container's profile ------------------------------------------------------


def container_profile() -> dict:
    """Docker's seccomp JSON: default allow, and every rule not needed to build the sandbox."""
    syscalls = []
    for family in FAMILIES:
        for rule in family.rules:
            if rule.builds_sandbox:
                continue
            entry: dict = {"names": list(rule.names), "action": "SCMP_ACT_ERRNO", "errnoRet": rule.errno}
            if rule.arg is not None:
                masked = rule.arg.op == "MASKED_EQ"
                entry["args"] = [
                    {
                        "index": rule.arg.index,
                        # Docker's MASKED_EQ: value is the mask, valueTwo what the masked argument equals.
                        "value": rule.arg.mask if masked else rule.arg.value,
                        "valueTwo": rule.arg.value if masked else 0,
                        "op": f"SCMP_CMP_{rule.arg.op}",
                    }
                ]
            entry["comment"] = family.name
            syscalls.append(entry)
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
        ],
        "syscalls": syscalls,
    }


def container_profile_json() -> str:
    """The profile as committed in deploy/seccomp-worker.json: one system-call rule per line."""
    profile = container_profile()
    head = {k: v for k, v in profile.items() if k != "syscalls"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "syscalls": [')
    entries = [f"    {json.dumps(entry)}" for entry in profile["syscalls"]]
    lines.append(",\n".join(entries))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"
