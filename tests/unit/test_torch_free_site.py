"""The web process and the results consumer import no PyTorch (about 1 s and 250 MB each).

Checked in a fresh interpreter, since this test process has imported torch long ago.
"""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import importlib, os, pkgutil, sys
sys.path[:0] = [os.path.join(os.getcwd(), "platform"), os.getcwd()]
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.apps import apps
platform = os.path.join(os.getcwd(), "platform")
imported = []
for app in apps.get_app_configs():
    if not app.path.startswith(platform):
        continue
    for module in pkgutil.walk_packages([app.path], app.name + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
for name in ("config.urls", "config.celery", "config.wsgi", "grader.contract", "grader.quiz", "grader.content"):
    importlib.import_module(name)
from config.celery import app
app.loader.import_default_modules()
heavy = sorted(name for name in ("torch", "numpy") if name in sys.modules)
print(len(imported), ",".join(heavy) or "-")
"""


def test_the_site_imports_no_torch_after_setup_and_every_app_module():
    env = {"PATH": "/usr/bin:/bin", "GENERATE_SECRET_KEY": "1", "VAR_DIR": str(REPO / "var")}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    count, heavy = done.stdout.split()
    assert int(count) > 50  # every module of every app was imported, views and tasks included
    assert heavy == "-", f"the site imported {heavy}"


def test_the_probe_would_see_torch_if_a_site_module_imported_it(tmp_path):
    """The check above can fail: the same probe, told to import the engine, reports torch."""
    env = {"PATH": "/usr/bin:/bin", "GENERATE_SECRET_KEY": "1", "VAR_DIR": str(REPO / "var")}
    probe = PROBE.replace('"grader.content")', '"grader.content", "grader.engine")')
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "torch" in done.stdout.split()[1]
