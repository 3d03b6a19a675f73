"""The benchmarks cannot break silently: each runs its --smoke mode (tiny sizes, the same code path)."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("sandbox_ready")


@pytest.mark.parametrize("script", ["grading.py", "training.py", "burst.py"])
def test_the_benchmark_runs_in_smoke_mode_and_prints_its_figures(script):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("{") and ("warm_p50_ms" in last or "p50_ms" in last)
