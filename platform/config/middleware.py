"""The course is taught in Brazilian Portuguese: pt-BR unless the user picked English.

Django's LocaleMiddleware would follow the browser's Accept-Language, which
would show most students' browsers English pages by default. Here only the
language switch (its cookie) changes the language.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from grader.contract import MAX_SOURCE_BYTES


class CourseLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than MAX_REQUEST_BYTES before anything reads it.

    Django would otherwise stream a large multipart upload to a temporary file before a
    view could refuse it (300 MB were written that way). The answer is the site's own page,
    in the student's language (this runs after CourseLanguageMiddleware), saying the limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            context = {"sent_kib": length // 1024, "limit_kib": limit // 1024, "code_kib": MAX_SOURCE_BYTES // 1024}
            # No "Connection: close" here: a WSGI application may not send hop-by-hop headers
            # (wsgiref, under `make run` and the live test server, turned the page into a 500;
            # gunicorn drops the header). The server itself deals with the body left unread.
            return render(request, "too_large.html", context, status=413)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A database that does not answer (a locked SQLite file, PostgreSQL restarting) gets the site's
    own 503 page, in the user's language, with Retry-After, instead of a 500 and a traceback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError):
            return None
        logging.getLogger(__name__).warning("database unavailable for %s: %s", request.path, exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response
