"""Device placement: gpu jobs get the GPU where there is one, and only they do."""

import shutil

import pytest

from grader import content, engine, sandbox
from tests.conftest import EXERCISES, SOLUTION

pytestmark = pytest.mark.usefixtures("sandbox_ready")
HAS_GPU = bool(sandbox.gpu_devices())
REPORT_DEVICE = """
import os, torch
print("DEVICE", os.environ["GRADER_DEVICE"], torch.cuda.is_available())
print("NVIDIA", sorted(name for name in os.listdir("/dev") if name.startswith("nvidia")))
"""


@pytest.fixture
def gpu_exercise(tmp_path):
    folder = tmp_path / "chatgpt" / "softmax-gpu"
    shutil.copytree(EXERCISES / "chatgpt" / "softmax-temperature", folder)
    manifest = (folder / "exercise.toml").read_text()
    manifest = manifest.replace('id = "softmax-temperature"', 'id = "softmax-gpu"').replace(
        'queue = "cpu"', 'queue = "gpu"'
    )
    manifest += "\n[code.gpu_limits]\nwall_seconds = 60\ncase_seconds = 30\n"
    (folder / "exercise.toml").write_text(manifest)
    exercise, errors = content.load_exercise(folder, tmp_path)
    assert errors == []
    return exercise


@pytest.mark.parametrize("warm", [True, False])
@pytest.mark.skipif(HAS_GPU, reason="checks the CPU fallback; this machine has a GPU")
def test_a_gpu_job_without_a_gpu_runs_on_the_cpu_with_the_cpu_budget(gpu_exercise, warm):
    assert gpu_exercise.gpu_limits["wall_seconds"] == 60 and gpu_exercise.limits["wall_seconds"] == 20
    report = engine.grade(gpu_exercise, REPORT_DEVICE + SOLUTION, warm=warm)
    assert (report["status"], report["score"], report["device"]) == ("graded", 10, "cpu")
    assert "DEVICE cpu False" in report["stdout"]


@pytest.mark.gpu
@pytest.mark.parametrize("warm", [True, False])
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU (/dev/nvidia*); runs on the device machine")
def test_a_gpu_job_gets_the_gpu(gpu_exercise, warm):
    report = engine.grade(gpu_exercise, REPORT_DEVICE + SOLUTION, warm=warm)
    assert (report["status"], report["score"], report["device"]) == ("graded", 10, "cuda")
    assert "DEVICE cuda True" in report["stdout"]


@pytest.mark.gpu
@pytest.mark.parametrize("warm", [True, False])
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU (/dev/nvidia*); runs on the device machine")
def test_a_cpu_job_never_sees_the_gpu(warm):
    exercise = content.find_exercise("softmax-temperature", EXERCISES)
    report = engine.grade(exercise, REPORT_DEVICE + SOLUTION, warm=warm)
    assert report["device"] == "cpu"
    assert "NVIDIA []" in report["stdout"] and "DEVICE cpu False" in report["stdout"]


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU (/dev/nvidia*); runs on the device machine")
def test_the_gpu_is_free_again_after_a_job_that_left_a_process_behind(gpu_exercise):
    lingering = (
        REPORT_DEVICE
        + """
import os, time, torch
if os.fork() == 0:
    os.setsid()
    x = torch.ones(10, device="cuda")
    time.sleep(600)
"""
        + SOLUTION
    )
    report = engine.grade(gpu_exercise, lingering, warm=True)
    assert report["device"] == "cuda"
    assert sandbox.gpu_idle(timeout=10)


@pytest.mark.gpu
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU (/dev/nvidia*); runs on the device machine")
def test_the_gpu_queue_trains_mlp_spirals_on_cuda(grading_stack, alice, course):
    """Through the real stack: site -> Redis -> grading worker (gpu queue) -> results -> database."""
    from submissions import services as submissions
    from tests.conftest import enrollment_of, exercise, wait_until_final

    spirals = exercise("mlp-spirals")
    assert spirals.current_version.queue == "gpu"
    source = (EXERCISES / "redes-neurais" / "mlp-spirals" / "solution.py").read_text()
    submission = wait_until_final(submissions.submit_code(enrollment_of(alice, course), spirals, source).pk, 240)
    assert (submission.status, submission.score) == ("graded", submission.max_score)
    assert submission.report["device"] == "cuda"
    assert sandbox.gpu_idle(timeout=10)
