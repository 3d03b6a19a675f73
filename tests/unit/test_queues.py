"""grader.queues: which queues a grading worker consumes, with and without a GPU worker."""

import sys

import pytest

from grader import queues

EVERYTHING = ["cpu", "gpu", "cpu-low", "gpu-low", "cpu-regrade", "gpu-regrade"]


@pytest.mark.parametrize("value", [None, "", "0", "no", "false", " 0 "])
def test_without_a_gpu_worker_the_cpu_worker_takes_the_gpu_queues_too(value):
    env = {} if value is None else {"GPU_WORKERS": value}
    # On-time work of both kinds first, then practice, then regrades: the order the worker reads them.
    assert queues.worker_queues("cpu", env) == EVERYTHING


@pytest.mark.parametrize("value", ["1", "yes", "true", "on", "TRUE"])
def test_with_a_gpu_worker_the_cpu_worker_takes_the_cpu_queues_only(value):
    assert queues.worker_queues("cpu", {"GPU_WORKERS": value}) == ["cpu", "cpu-low", "cpu-regrade"]


@pytest.mark.parametrize("env", [{}, {"GPU_WORKERS": "1"}])
def test_a_gpu_worker_takes_the_gpu_queues_only(env):
    assert queues.worker_queues("gpu", env) == ["gpu", "gpu-low", "gpu-regrade"]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown worker kind"):
        queues.worker_queues("tpu", {})


def test_the_worker_command_line():
    argv = queues.celery_argv("cpu", ["-c", "2", "-n", "cpu@%h"], {"GPU_WORKERS": "0"})
    assert argv == [sys.executable, "-m", "celery", "-A", "grader.worker", "worker", "-Q", ",".join(EVERYTHING)] + [
        "-c",
        "2",
        "-n",
        "cpu@%h",
    ]
    assert queues.celery_argv("cpu", ["-c", "2"], {"GPU_WORKERS": "1"})[-3:] == ["cpu,cpu-low,cpu-regrade", "-c", "2"]


def test_main_prints_the_list_and_execs_celery(monkeypatch, capsys):
    monkeypatch.setenv("GPU_WORKERS", "0")
    assert queues.main(["cpu"]) == 0
    assert capsys.readouterr().out.strip() == ",".join(EVERYTHING)
    started = []
    monkeypatch.setattr(queues.os, "execv", lambda path, argv: started.append((path, argv)))
    monkeypatch.setenv("GPU_WORKERS", "1")
    queues.main(["cpu", "--exec", "-c", "1", "-n", "cpu@%h"])
    path, argv = started[0]
    assert path == sys.executable
    assert argv[1:] == ["-m", "celery", "-A", "grader.worker", "worker", "-Q", "cpu,cpu-low,cpu-regrade"] + [
        "-c",
        "1",
        "-n",
        "cpu@%h",
    ]
    assert queues.main([]) == 2 and queues.main(["cpu", "-c", "1"]) == 2
