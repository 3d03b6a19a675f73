"""A view that writes a log line, for tests/web/test_request_id.py."""

import logging

from django.http import HttpResponse
from django.urls import include, path


def writes_a_log_line(request):
    logging.getLogger("tests.view").warning("inside the view")
    return HttpResponse("ok")


urlpatterns = [path("logs-a-line/", writes_a_log_line), path("", include("config.urls"))]
