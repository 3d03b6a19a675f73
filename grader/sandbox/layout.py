"""What the sandbox looks like from inside, the same on both paths."""

from __future__ import annotations

import os
import sys

# The student's code, the probe and the job's inputs: the one writable folder, and the working directory.
SANDBOX_DIR = "/sandbox"

# Who the sandboxed code is. There is no /etc/passwd inside: getpass.getuser()
# (PyTorch's compile caches ask for it) reads these instead of failing.
IDENTITY = {"HOME": SANDBOX_DIR, "USER": "nobody", "LOGNAME": "nobody"}

# Inside, we are nobody: uid/gid 65534 in our own user namespace.
SANDBOX_UID = 65534


def python_roots() -> list[str]:
    """The folders the sandboxed interpreter needs: the venv and the base install."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    exe_dir = os.path.dirname(os.path.realpath(sys.executable))
    roots.add(os.path.dirname(exe_dir))
    # /usr is bound whole already.
    return sorted(r for r in roots if not (r == "/usr" or r.startswith("/usr/")))
