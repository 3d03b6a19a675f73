"""Error pages are the site's own, translated, and never show a traceback or the code's variables."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_the_sites_own_404_in_portuguese_and_english(client, alice, course):
    client.force_login(alice)
    response = client.get("/c/no-such-course/e/nothing/")
    page = response.content.decode()
    assert response.status_code == 404 and "Página não encontrada" in page and 'class="topbar"' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/nowhere/").content.decode()
    assert "Page not found" in page and "Traceback" not in page


@pytest.mark.parametrize(
    ("view", "status", "pt", "en"),
    [
        (defaults.server_error, 500, "Algo deu errado", "Something went wrong"),
        (defaults.bad_request, 400, "Pedido não compreendido", "Request not understood"),
        (defaults.permission_denied, 403, "Acesso negado", "Not allowed"),
    ],
)
def test_the_other_error_pages_are_translated_and_say_what_to_do(view, status, pt, en):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    for lang, text in (("pt-br", pt), ("en", en)):
        with translation.override(lang):
            response = view(request, exception=Exception("secret detail")) if status != 500 else view(request)
        page = response.content.decode()
        assert response.status_code == status and text in page, (lang, page[:300])
        assert "secret detail" not in page and "Traceback" not in page


def test_an_expired_form_is_explained_not_djangos_bare_403(client, alice, course):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = strict.post(reverse("exercise", args=[course.slug, "gradient-step"]), {"answer": "1"})
    assert response.status_code == 403 and "O formulário expirou" in response.content.decode()


def test_make_run_serves_without_debug_pages(tmp_path):
    """`make run`'s environment gives the site DEBUG off (no traceback pages) and cookies that work over HTTP."""
    import importlib.util
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("devstack", ROOT / "scripts" / "devstack.py")
    devstack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devstack)
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECURE_COOKIES")}
    env = devstack.environment({**base, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path)})
    probe = "import django; django.setup(); from django.conf import settings as s; "
    probe += "print(s.DEBUG, s.SESSION_COOKIE_SECURE)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "False"], out.stderr[-500:]
    assert devstack.environment({"DEBUG": "1"})["DEBUG"] == "1"  # an operator may still ask for it
