"""The course's operations page: queues, workers, running and stuck gradings, recent failures.

For the course's staff only (404 to anyone else). It renders even with Redis or every
worker down, and says so; `?fragment=1` returns only the panels, for the page's refresh.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.celery import app
from courses.access import get_staff_enrollment
from operations import broker, services
from submissions.models import Submission


@login_required
def operations(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    context = {
        "course": enrollment.course,
        "broker": broker.state(app),
        "overview": services.overview(enrollment.course),
        "queues": broker.QUEUES,
        "stale": settings.OPERATIONS_STALE_SECONDS,
    }
    if request.GET.get("fragment") == "1":
        return render(request, "operations/_panels.html", context)
    return render(request, "operations/operations.html", context)


@login_required
@require_POST
def resend(request: HttpRequest, course_slug: str, submission_id: int) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug)
    submission = Submission.objects.filter(pk=submission_id, course=enrollment.course).first()
    if submission is None:
        raise Http404("no such submission in this course")
    try:
        record = services.resend(submission, request.user)
    except services.ResendRefused as refused:
        text = {
            "too_soon": _("Submission #%(id)d was re-sent less than a minute ago; wait before sending it again."),
            "not_stuck": _("Submission #%(id)d is not stuck (any more): nothing was sent."),
        }[refused.reason]
        messages.warning(request, text % {"id": submission.pk})
    else:
        record.refresh_from_db()
        if record.published:
            messages.success(request, _("Submission #%(id)d is queued again for grading.") % {"id": submission.pk})
        else:
            messages.error(
                request,
                _("Submission #%(id)d is queued, but the broker could not be reached; send it again later.")
                % {"id": submission.pk},
            )
    return redirect(reverse("operations", args=[course_slug]))
