"""Production settings: each test starts the site in a fresh process with production's environment
(only SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and a VAR_DIR set), not the tests' development opt-ins.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PYTHON = sys.executable


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What a production process gets: no DEBUG, no development opt-in, no test settings."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "grader.example.org,testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr[-2000:]
    return done


def probe(env: dict[str, str], code: str) -> str:
    """Run `code` after django.setup() in a production process; returns its stdout."""
    return run([PYTHON, "-c", "import django; django.setup()\n" + code], env).stdout


def test_check_deploy_reports_nothing_with_the_production_environment(tmp_path):
    done = run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert "no issues" in done.stdout, done.stdout + done.stderr
    assert "WARNINGS" not in done.stdout + done.stderr


def test_a_production_process_without_secret_key_does_not_start(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    done = run([PYTHON, "manage.py", "check", "--deploy"], env, check=False)
    assert done.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in done.stderr
    assert not (tmp_path / "var" / "secret-key").exists()  # nothing generated behind the operator's back


def test_production_defaults_are_secure(tmp_path):
    out = probe(
        production_env(tmp_path),
        "import json\nfrom django.conf import settings as s\n"
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_PROXY_SSL_HEADER, s.STORAGES['staticfiles']['BACKEND'], s.LOG_FORMAT]))",
    )
    assert json.loads(out) == [
        False,
        True,
        True,
        True,
        True,
        365 * 24 * 3600,
        True,
        None,  # the proxy's header is trusted only when named
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "json",
    ]
    named = probe(
        production_env(tmp_path, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"),
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)",
    )
    assert named.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_plain_http_is_redirected_to_https_except_the_health_endpoint(tmp_path):
    out = probe(
        production_env(tmp_path, STATIC_MANIFEST="0", REDIS_URL="redis://127.0.0.1:1/0"),
        "from django.test import Client\n"
        "c = Client()\n"
        "r = c.get('/accounts/login/'); print(r.status_code, r['Location'])\n"
        "r = c.get('/health/?format=json'); print(r.status_code, r.get('Location'))\n"
        "r = c.get('/accounts/login/', secure=True); print(r.status_code, r['Strict-Transport-Security'])\n",
    )
    lines = out.splitlines()
    assert lines[0] == "301 https://testserver/accounts/login/"
    # Not redirected: answered (500 here, as no Redis listens on that port).
    assert lines[1].split()[0] in ("200", "500") and lines[1].split()[1] == "None"
    assert lines[2] == "200 max-age=31536000; includeSubDomains"


def test_collected_static_files_are_served_under_hashed_names(tmp_path):
    env = production_env(tmp_path, STATIC_ROOT=str(tmp_path / "static"))
    run([PYTHON, "manage.py", "collectstatic", "--noinput"], env)
    out = probe(
        env,
        "import re\nfrom django.test import Client\n"
        "c = Client()\n"
        "page = c.get('/accounts/login/', secure=True).content.decode()\n"
        "urls = re.findall(r'/static/[^\"]+', page); print(' '.join(urls))\n"
        "r = c.get(urls[0], secure=True); print(r.status_code, r['Cache-Control'])\n",
    )
    urls, served = out.splitlines()
    assert re.search(r"/static/css/\S+\.[0-9a-f]{12}\.css", urls), urls
    assert served.startswith("200") and "immutable" in served


def test_make_runs_database_secret_and_folder_are_private(tmp_path):
    spec = importlib.util.spec_from_file_location("devstack", ROOT / "scripts" / "devstack.py")
    devstack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devstack)
    var = tmp_path / "var"
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    base.update({"VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings"})
    for name in ("GENERATE_SECRET_KEY", "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "STATIC_MANIFEST", "LOG_FORMAT"):
        base.pop(name, None)  # as from an operator's shell: devstack sets them
    env = devstack.environment(base)
    old_umask = os.umask(0o022)  # a usual login's umask: the settings must not rely on it
    try:
        run([PYTHON, "manage.py", "migrate", "--noinput"], env)
    finally:
        os.umask(old_umask)
    mode = {name: stat.S_IMODE((var / name).stat().st_mode) for name in ("", "db.sqlite3", "secret-key")}
    assert mode == {"": 0o700, "db.sqlite3": 0o600, "secret-key": 0o600}, {k: oct(v) for k, v in mode.items()}


@pytest.mark.parametrize("flag", ["SECURE_COOKIES", "SECURE_SSL_REDIRECT", "STATIC_MANIFEST"])
def test_make_run_turns_off_what_plain_http_cannot_meet(flag):
    spec = importlib.util.spec_from_file_location("devstack", ROOT / "scripts" / "devstack.py")
    devstack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devstack)
    env = devstack.environment({})
    assert env[flag] == "0"
    assert env["GENERATE_SECRET_KEY"] == "1" and env["LOG_FORMAT"] == "text"
    assert devstack.environment({flag: "1"})[flag] == "1"  # an operator may still turn it on
