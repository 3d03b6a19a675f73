"""Isolate the current (forked) process: the warm start's equivalent of bubblewrap.

`enter_sandbox` turns a freshly forked, single-threaded child into the same
kind of sandbox that `grader.sandbox.bwrap` builds: new user, mount, PID,
network, IPC, UTS and cgroup namespaces; a tmpfs root holding read-only `/usr`
and Python environment, a writable `/sandbox`, a private `/tmp` and a minimal
`/dev`; uid/gid 65534 inside; every capability dropped and
no_new_privs set. It returns in a grandchild that is PID 1 of the new PID
namespace, so when it exits, or is killed, everything it started dies too.
The fork server's child then installs the system-call filter
(`grader.sandbox.seccomp.install`), which needs no_new_privs, set here.

Linux only; needs unprivileged user namespaces or root.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass

from grader.sandbox.layout import SANDBOX_UID

_libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SYS_PIVOT_ROOT = 155  # x86-64
SYS_CAPSET = 126  # x86-64
_CAP_VERSION_3 = 0x20080522
DEVICES = ("null", "zero", "full", "random", "urandom")


class IsolationError(OSError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _bind(source: str, target: str, read_only: bool = True) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        # A remount inside a user namespace must keep the flags that the
        # original mount has locked (nosuid, nodev, noexec).
        flags = os.statvfs(source).f_flag
        locked = 0
        for st_flag, ms_flag in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
            if flags & st_flag:
                locked |= ms_flag
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | locked)


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    for cap in range(64):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the last cap: ignored
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.syscall(SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


@dataclass
class Layout:
    """What the sandbox sees: read-only roots (same path inside) and the work dir."""

    new_root: str  # an empty directory outside, used as the mount point
    workdir: str
    read_only: list[str]
    devices: list[str]  # extra device nodes (GPU), bound read-write


def _build_root(layout: Layout) -> None:
    root = layout.new_root
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for name in ("usr", "sandbox", "tmp", "proc", "dev", ".old"):
        os.mkdir(f"{root}/{name}")
    # The private /tmp first: a Python environment that lives under /tmp is bound on top of it.
    _mount("tmpfs", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    _bind("/usr", f"{root}/usr")
    for top in ("lib", "lib64", "lib32", "bin", "sbin"):
        if os.path.islink(f"/{top}"):
            os.symlink(os.readlink(f"/{top}"), f"{root}/{top}")
        elif os.path.isdir(f"/{top}"):
            os.mkdir(f"{root}/{top}")
            _bind(f"/{top}", f"{root}/{top}")
    for path in layout.read_only:
        os.makedirs(root + path, exist_ok=True)
        _bind(path, root + path)
    _bind(layout.workdir, f"{root}/sandbox", read_only=False)
    _mount("tmpfs", f"{root}/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
    for device in [f"/dev/{name}" for name in DEVICES] + layout.devices:
        target = root + device
        open(target, "w").close()
        _bind(device, target, read_only=False)


def enter_sandbox(layout: Layout) -> None:
    """Call in a forked child. Returns in the sandboxed PID 1; the caller's process waits for it and exits.

    The process that calls this never returns from it: it waits for the
    sandboxed grandchild and exits with its status (signals as 128+N, like bwrap).
    """
    uid, gid = os.geteuid(), os.getegid()
    _check(
        _libc.unshare(
            CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP
        ),
        "unshare",
    )
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{SANDBOX_UID} {uid} 1")
    _write("/proc/self/gid_map", f"{SANDBOX_UID} {gid} 1")
    _build_root(layout)
    child = os.fork()
    if child:
        # Outside the new PID namespace: wait, then report like bwrap does.
        _, status = os.waitpid(child, 0)
        code = os.waitstatus_to_exitcode(status)
        os._exit(128 - code if code < 0 else code)
    # PID 1 of the new namespace. Die with the parent, never outlive it.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    root = layout.new_root
    _mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _check(_libc.syscall(SYS_PIVOT_ROOT, root.encode(), f"{root}/.old".encode()), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount old root")
    os.rmdir("/.old")
    os.chdir("/sandbox")
    # Limits are set later by the caller, once the job is known: lowering them needs no capability.
    drop_capabilities()


def set_limits(limits: dict[str, int]) -> None:
    def both(kind: int, value: int) -> None:
        resource.setrlimit(kind, (value, value))

    cpu = limits["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    both(resource.RLIMIT_FSIZE, limits["file_size_mb"] * 1024 * 1024)
    both(resource.RLIMIT_NOFILE, limits["open_files"])
    both(resource.RLIMIT_CORE, 0)
    if "max_processes" in limits:
        both(resource.RLIMIT_NPROC, limits["max_processes"])
