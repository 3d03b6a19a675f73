"""A request id on every answer and on every log line written while the request runs.

The id comes from the proxy's `X-Request-ID` when that is a short, safe token (so one id
follows a request from the load balancer's log to ours), else it is generated here. It is
returned in the `X-Request-ID` response header, kept in a context variable for the
duration of the request, and added to each log record by `RequestIdFilter` (installed on
the console handler in settings.LOGGING). When the request is done one line says what it
was: method, path, status, duration and user id.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and `-_.:` (UUIDs, hex ids, AWS's `Root=1-...` style without `;=`), 8 to 64 of them:
# nothing a log reader could mistake for another field, nothing to inject a line break with.
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
log = logging.getLogger("config.request")


def new_id() -> str:
    return secrets.token_hex(16)


def incoming_id(value: str | None) -> str | None:
    """The proxy's id if it is a safe token, else None."""
    if value and SAFE_ID.fullmatch(value):
        return value
    return None


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or "-" outside a request) to every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = incoming_id(request.headers.get(HEADER)) or new_id()
        request.request_id = rid
        token = request_id.set(rid)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": user_id,
                },
            )
            return response
        finally:
            request_id.reset(token)
