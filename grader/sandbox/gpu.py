"""The GPU for jobs of the gpu queue: device nodes, the driver's libraries, and waiting for it to be idle."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from functools import lru_cache


def gpu_devices() -> list[str]:
    """The NVIDIA device nodes, given only to jobs of the gpu queue (none if GRADER_NO_GPU is set)."""
    if os.environ.get("GRADER_NO_GPU"):
        return []
    return sorted(path for path in glob.glob("/dev/nvidia*") if not os.path.isdir(path))


def gpu_idle(timeout: float = 10.0) -> bool:
    """Wait until no process computes on the GPU (the last job's are gone); False if still busy.

    Each GPU worker takes one job at a time and owns its GPU (or MIG slice): a
    compute process still there after a job is a leftover, and the next job
    must not share the device with it.
    """
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            listed = subprocess.run(
                [smi, "--query-compute-apps=pid", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return False
        if not listed:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


# Where NVIDIA's container runtimes and distributions put the driver's user-space libraries.
DRIVER_LIBRARY_DIRS = (
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
)


@lru_cache(maxsize=1)
def gpu_library_dirs() -> tuple[str, ...]:
    """The folders holding the NVIDIA driver's libraries (libcuda.so.1 and its siblings).

    The sandbox has no /etc, so no ld.so.cache: a gpu job is told where the
    driver is through LD_LIBRARY_PATH, and folders outside /usr are bound
    read-only. The worker's LD_LIBRARY_PATH comes first, then ldconfig's cache,
    then the usual places. Empty on a machine without an NVIDIA GPU.
    """
    if not gpu_devices():
        return ()
    candidates = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    ldconfig = shutil.which("ldconfig") or ("/sbin/ldconfig" if os.path.exists("/sbin/ldconfig") else None)
    if ldconfig:
        try:
            listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            listing = ""
        for line in listing.splitlines():
            if line.strip().startswith("libcuda.so.1 ") and "=>" in line:
                candidates.append(os.path.dirname(line.split("=>", 1)[1].strip()))
    candidates += DRIVER_LIBRARY_DIRS
    found: list[str] = []
    for folder in candidates:
        real = os.path.realpath(folder)
        if real not in found and os.path.exists(os.path.join(real, "libcuda.so.1")):
            found.append(real)
    return tuple(found)


def gpu_environment() -> dict[str, str]:
    dirs = gpu_library_dirs()
    return {"LD_LIBRARY_PATH": ":".join(dirs)} if dirs else {}


def gpu_read_only() -> list[str]:
    """Driver folders a gpu job must see that the base layout does not already bind."""
    bound = ("/usr/", "/lib/", "/lib64/", "/lib32/")
    return [d for d in gpu_library_dirs() if not (d + "/").startswith(bound)]
