#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, in one go: what the machine offers, whether
# a sandboxed gpu job reaches CUDA, the tests marked `gpu`, and the training
# exercise's grading time on CUDA (warm and cold). Run from the repository root:
#
#     PYTHON=.venv/bin/python bench/gpu_check.sh [LOG]
#
# Everything is printed and also written to LOG (default /tmp/gpu-check.log).
set -u
PY=${PYTHON:-python3}
LOG=${1:-/tmp/gpu-check.log}
export PYTHONUNBUFFERED=1
{
    echo "== machine"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    nproc
    "$PY" -c "import sys, torch; print(sys.version.split()[0], torch.__version__, 'cuda', torch.cuda.is_available())"
    "$PY" - <<'PY'
from grader import sandbox
from grader.sandbox import cgroups, gpu
print("bwrap", sandbox.check_available())
print("devices", gpu.gpu_devices())
print("driver folders", gpu.gpu_library_dirs(), "bound:", gpu.gpu_read_only())
print("python roots", sandbox.python_roots())
job = cgroups.JobCgroup.create(256, 16)
print("cgroups", job is not None)
job and job.destroy()
PY
    echo "== a sandboxed gpu job (cold path) sees CUDA"
    "$PY" - <<'PY'
import subprocess, sys, tempfile
from pathlib import Path
from grader import sandbox
from grader.sandbox import seccomp
work = Path(tempfile.mkdtemp())
argv = [sys.executable, "-c", "import torch; print('in sandbox:', torch.cuda.is_available(), torch.ones(3, device='cuda').sum().item())"]
fd = seccomp.bpf_fd(seccomp.sandbox_bpf())  # the system-call filter, as every job gets it
command = sandbox.build_command(work, argv, sandbox.Limits(wall_seconds=60, memory_mb=8192), seccomp_fd=fd, gpu=True)
done = subprocess.run(command, env={}, capture_output=True, text=True, timeout=120, pass_fds=[fd])
print(done.returncode, done.stdout.strip(), done.stderr.strip()[-1500:])
PY
    echo "== tests"
    "$PY" -m pytest -p no:cacheprovider -v tests/integration/test_gpu.py tests/unit/test_gpu_libraries.py
    echo "== bench: mlp-spirals, warm"
    "$PY" bench/training.py --runs 5
    echo "== bench: mlp-spirals, cold"
    "$PY" bench/training.py --runs 3 --cold
    echo "== bench: mlp-spirals, warm, GPU ignored (CPU baseline on this machine)"
    "$PY" bench/training.py --runs 3 --cpu
    echo "== bench: char-gpt, warm, then GPU ignored"
    "$PY" bench/training.py --exercise char-gpt --runs 3
    "$PY" bench/training.py --exercise char-gpt --runs 2 --cpu
} 2>&1 | tee "$LOG"
