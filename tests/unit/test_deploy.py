"""The deployment files, checked without a Docker engine (none runs on CI)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_part_of_the_design():
    services = compose()["services"]
    assert {"web", "results", "worker-cpu", "worker-gpu", "redis", "postgres"} <= set(services)


def test_grading_workers_get_the_broker_and_nothing_secret():
    services = compose()["services"]
    for name in ("worker-cpu", "worker-gpu"):
        env = services[name]["environment"]
        assert "REDIS_URL" in env
        assert not {"DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"} & set(env), name
        assert "grader.worker" in services[name]["command"]


def test_each_queue_has_a_consumer():
    services = compose()["services"]
    queues = {}
    for name, service in services.items():
        command = service.get("command")
        if isinstance(command, list) and "-Q" in command:
            for queue in command[command.index("-Q") + 1].split(","):
                queues[queue] = name
    assert queues == {
        "results": "results",
        "similarity": "similarity",
        "bulk": "similarity",
        "cpu": "worker-cpu",
        "cpu-low": "worker-cpu",
        "cpu-regrade": "worker-cpu",
        "gpu": "worker-gpu",
        "gpu-low": "worker-gpu",
        "gpu-regrade": "worker-gpu",
    }
    # Practice is listed after the work that counts, and staff regrades last: workers read their
    # queues in that order.
    for service in ("worker-cpu", "worker-gpu"):
        command = services[service]["command"]
        listed = command[command.index("-Q") + 1].split(",")
        base = listed[0]
        assert listed == [base, base + "-low", base + "-regrade"], listed


def test_gpu_worker_reserves_a_gpu_and_only_it():
    services = compose()["services"]
    assert services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert "deploy" not in services["worker-cpu"]


def test_image_never_carries_site_settings_to_workers():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "SECRET_KEY" not in dockerfile and "DATABASE_URL" not in dockerfile
    assert "bubblewrap" in dockerfile
