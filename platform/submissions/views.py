from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog import lesson_index
from catalog.models import Exercise, pick_language
from catalog.rendering import render_author_markdown
from courses import deadlines
from courses.access import get_enrollment, get_exercise_in_course, is_staff_of
from courses.models import Enrollment
from courses.score_policy import score_policy
from grader import progress, quiz
from grader.contract import MAX_SOURCE_BYTES
from review import scores as review_scores
from submissions import charts, ratelimit, services
from submissions.models import Draft, HintReveal, Submission
from submissions.tracebacks import student_error_line

log = logging.getLogger(__name__)


def _get_submission_for_user(request: HttpRequest, submission_id: int, role: bool = True) -> tuple[Submission, bool]:
    """The author sees their submission; an instructor of its course sees any. Returns (it, viewer is
    instructor); with `role=False` the author's own role is not read (the status poll has no use for it)."""
    submission = get_object_or_404(Submission.objects.select_related("exercise", "version", "course"), pk=submission_id)
    own = submission.student_id == request.user.id
    if own and not role:
        return submission, False
    instructor = is_staff_of(request.user, submission.course)
    if own or instructor:
        return submission, instructor
    raise Http404("no such submission")


def _lang() -> str:
    return (get_language() or "pt-br").split("-")[0]


@login_required
@require_http_methods(["GET", "POST"])
def exercise_detail(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    enrollment = get_enrollment(request, course_slug)
    exercise = get_exercise_in_course(enrollment.course, exercise_slug, student=request.user)
    deadline = services.late_policy_for(enrollment.course, exercise, request.user)
    if not enrollment.is_staff_role and not deadline.is_open():
        # Before its open date a lesson is the staff's: students learn when it opens, nothing more.
        context = {"course": enrollment.course, "lesson": exercise.lesson, "deadline": deadline}
        return render(request, "courses/not_open.html", context, status=403)
    if exercise.kind == Exercise.QUIZ:
        return _quiz_page(request, enrollment, exercise, deadline)
    return _code_page(request, enrollment, exercise, deadline)


def _neighbours(exercise: Exercise) -> dict:
    """The items before and after this one in its lesson, in the lesson's order, for "previous" and "next"."""
    items = lesson_index.items(exercise.lesson)
    index = next(i for i, item in enumerate(items) if item.pk == exercise.pk)
    return {
        "previous_item": items[index - 1] if index > 0 else None,
        "next_item": items[index + 1] if index + 1 < len(items) else None,
        "position": index + 1,
        "count": len(items),
    }


def _posted_variant(post) -> int | None:
    """The variant the page showed (None from a client that does not say; -1 for nonsense)."""
    raw = post.get("variant")
    if raw is None:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 5 else -1


def policy_text(policy: dict) -> str:
    """The attempt policy as the page states it, before the student answers."""
    limit = policy["max"]
    if policy["score"] == "last":
        return _("Up to %(n)d attempts; your last answer counts.") % {"n": limit}
    if policy["score"] == "decreasing":
        shares = " · ".join(f"{share:.0%}" for share in policy["credit"])
        return _("Up to %(n)d attempts; each later attempt is worth less: %(shares)s of the points.") % {
            "n": limit,
            "shares": shares,
        }
    return _("Up to %(n)d attempts; your best answer counts.") % {"n": limit}


def _quiz_page(
    request: HttpRequest, enrollment: Enrollment, exercise: Exercise, deadline: deadlines.Deadline
) -> HttpResponse:
    version = exercise.current_version
    assert version is not None
    spec = version.data["quiz"]
    item = quiz.item_type(spec["type"])
    form_error = None
    given = ""
    if request.method == "POST":
        try:
            # Read under the lock, with the shuffle of the variant the page showed (options post
            # per-student tokens, not their ids); a page from before new numbers is refused.
            services.answer_quiz_form(
                enrollment, exercise, request.POST, variant=_posted_variant(request.POST), deadline=deadline
            )
        except quiz.MalformedAnswer as exc:
            form_error = exc.message
        else:
            return redirect("exercise", course_slug=enrollment.course.slug, exercise_slug=exercise.slug)
    # A refused answer stored nothing: the state read now is the page's.
    state = services.quiz_state(enrollment, exercise, deadline)
    if form_error:
        given = item.read_form(spec, request.POST, seed=state.seed)  # a typed answer comes back in its box
    prompt = quiz.render_prompt(version.display_prompt, state.params, _lang())
    answers = state.answers[:10]
    for answer in answers:
        answer.shown = item.answer_text(spec, answer.answer, _lang())
        answer.credit_share = f"{answer.credit:.0%}"
    latest = answers[0] if answers else None
    revealed = bool(latest and state.reveals(latest))
    # The right answer, for the numbers answered: shown once the key may be, to a student who missed it.
    key_text = item.key_text(spec, latest.params, _lang()) if latest and not latest.correct else ""
    interactive = spec.get("interactive") or {}
    # Free-text answers come back in the text box; a choice re-posted would need this shuffle's tokens.
    return render(
        request,
        "submissions/quiz.html",
        {
            "course": enrollment.course,
            "exercise": exercise,
            "version": version,
            "prompt_html": render_author_markdown(prompt).html,
            # Shuffles are per student and variant; the context never holds the key
            # (tests/web/test_every_item_renders.py).
            "item": item.context(spec, state.seed, _lang()),
            "item_template": item.template,
            "interactive": bool(interactive),
            "interactive_tokens": json.dumps(interactive.get("tokens", [])),
            "interactive_logits": json.dumps(interactive.get("logits", [])),
            "answers": answers,
            "latest": latest,
            "explanation": pick_language(latest.explanation) if revealed else "",
            "key_text": key_text if revealed else "",
            "explanation_later": bool(latest and not revealed and (latest.explanation or key_text)),
            "new_numbers": bool(latest and latest.variant != state.variant),
            "state": state,
            "enrollment": enrollment,
            "staff_view": enrollment.is_staff_role,
            "policy_text": policy_text(state.policy),
            "next_credit": f"{state.next_credit:.0%}",
            "form_error": pick_language(form_error) if form_error else None,
            "given": given,
            "lang": _lang(),
            **_neighbours(exercise),
        },
    )


def _typed_anew(enrollment: Enrollment, exercise: Exercise, typed: str) -> bool:
    """Whether the editor holds code the student typed, not what the page put there (starter, last try)."""
    text = typed.replace("\r\n", "\n").strip()  # a browser posts a text area's lines ending in CRLF
    if not text or text == exercise.current_version.data["starter"].replace("\r\n", "\n").strip():
        return False
    last = Submission.objects.filter(course=enrollment.course, student=enrollment.user, exercise=exercise).first()
    return last is None or text != last.source.strip()


def _code_page(
    request: HttpRequest, enrollment: Enrollment, exercise: Exercise, deadline: deadlines.Deadline
) -> HttpResponse:
    version = exercise.current_version
    assert version is not None
    form_error = None
    source = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        typed = request.POST.get("source", "")
        source = upload.read(MAX_SOURCE_BYTES + 1) if upload else typed
        try:
            if upload and _typed_anew(enrollment, exercise, typed):
                # Both a file and newly typed code: grading one would lose the other.
                raise services.InvalidSubmission(
                    _("you sent a file and typed code; clear the file field or the editor, and send again")
                )
            if "\ufffd" in typed:
                # The browser sent bytes that are not UTF-8 and Django replaced them: refuse, never grade a guess.
                raise services.InvalidSubmission(_("the code has characters that are not valid UTF-8"))
            submission = services.submit_code(enrollment, exercise, source)
        except services.InvalidSubmission as exc:
            form_error = _("Your code was not submitted: %(reason)s.") % {"reason": exc}
            # What the student typed stays in the editor; a refused file is shown as far as it reads.
            source = typed if (typed.strip() or not upload) else source.decode("utf-8", errors="replace")
        except DatabaseError:
            # Nothing was saved or charged: the code goes back to the student on a page that needs no database.
            log.warning("database unavailable while submitting %s", exercise.slug, exc_info=True)
            shown = source if isinstance(source, str) else source.decode("utf-8", errors="replace")
            response = render(request, "submissions/busy.html", {"source": shown}, status=503)
            response["Retry-After"] = "5"
            return response
        else:
            _discard_draft(enrollment, exercise)  # what it held is now an attempt (or the starter, or the last try)
            if upload:
                # Say which was graded: the editor held only the starter or the last try, which stays on record.
                graded = _("The file %(name)s was graded; the code in the editor was not sent.")
                messages.info(request, graded % {"name": upload.name[:120]})
            return redirect("submission", submission_id=submission.pk)
    mine = Submission.objects.filter(course=enrollment.course, student=request.user, exercise=exercise)
    # What each attempt counts, and which one counts (lesson_rows's arithmetic); it reads every attempt's id.
    counting = services.counting_submission(enrollment.course, request.user, exercise, enrollment.has_score_changes)
    attempts_total = len(counting.credited)
    # The latest few, or on asking (?attempts=all) every attempt, up to a bound a page can carry.
    show_all = request.GET.get("attempts") == "all"
    # A row shows no code nor report: not read, for a list of up to 300 attempts.
    listed = mine.defer("source", "report")
    submissions = list(listed[: services.ATTEMPTS_SHOWN_MAX if show_all else services.ATTEMPTS_SHOWN])
    for attempt in submissions:
        attempt.counted = counting.credited.get(attempt.pk)
        attempt.counts = attempt.pk == counting.submission_id
        attempt.credit_share = f"{attempt.credit:.0%}"
    limit = services.attempt_limit(exercise, enrollment.course)
    used = services.attempts_used(enrollment, exercise)
    if request.method == "POST":
        # A submission may have passed the due date meanwhile: the page shows the dates as they are now.
        deadline = services.late_policy_for(enrollment.course, exercise, request.user)
    due = deadline.due
    late = deadline.practice()  # past the due date and nothing more counts
    closed = deadline.closed() and not enrollment.is_staff_role
    hints = services.hints_of(exercise)
    opened = services.hints_opened(enrollment, exercise)
    show_solution = services.solution_visible(enrollment, late) and bool(version.solution)
    return render(
        request,
        "submissions/code.html",
        {
            "course": enrollment.course,
            "exercise": exercise,
            "version": version,
            "prompt_html": render_author_markdown(version.display_prompt).html,
            **_editor_start(request, enrollment, exercise, source),
            "submissions": submissions,
            "attempts_total": attempts_total,
            "attempts_more": attempts_total > len(submissions),
            "attempts_all": show_all,
            "attempts_shown_max": services.ATTEMPTS_SHOWN_MAX,
            "attempts_shown": services.ATTEMPTS_SHOWN,
            "counting": counting,
            "score_policy": score_policy(enrollment.course, [exercise], [deadline]),
            "form_error": form_error,
            "max_code_bytes": MAX_SOURCE_BYTES,
            "attempt_limit": limit,
            "attempts_used": used,
            "can_submit": not closed and (late or not limit or used < limit),
            "closed": closed,
            "due_at": due,
            "late": late,
            "deadline": deadline,
            "hints_open": [render_author_markdown(pick_language(hint)).html for hint in hints[:opened]],
            "hints_total": len(hints),
            "next_hint": opened + 1 if opened < len(hints) else None,
            "solution": version.solution if show_solution else None,
            "solution_early": show_solution and not late,  # an instructor, before the due date
            **_neighbours(exercise),
        },
    )


@login_required
@require_http_methods(["POST"])
def open_hint(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    """Open the next hint (one by one, in order); back to the exercise, at the hints."""
    enrollment = get_enrollment(request, course_slug)
    exercise = get_exercise_in_course(enrollment.course, exercise_slug)
    if exercise.kind != Exercise.CODE:
        raise Http404("no hints here")
    services.open_next_hint(enrollment, exercise)
    return redirect(reverse("exercise", args=[course_slug, exercise_slug]) + "#hints")


def _series(submission: Submission, since: int, epoch: int | None) -> dict | None:
    """The training chart's points: live from Redis (from `since` on) while running, from the report once final.

    A live answer sends only the points the page lacks (a poll carries a few
    points instead of up to 500); a final one sends the stored series once, whole.
    """
    if submission.is_final:
        return progress.stored_series(submission.report)
    if submission.status == "running":
        return progress.series_since(settings.REDIS_URL, submission.pk, since, epoch)
    return None


def status_payload(submission: Submission, lang: str, since: int = 0, epoch: int | None = None) -> dict:
    report = submission.report or {}
    checks = [
        {
            "name": check.get("name"),
            "title": pick_language(check.get("title") or {}) or check.get("name"),
            "passed": bool(check.get("passed")),
            "score": check.get("score"),
            "max_score": check.get("max_score"),
            "feedback": pick_language(check.get("feedback") or {}),
        }
        for check in report.get("checks", [])
    ]
    # A staff score in force is the score; the line says so and keeps the grader's beside it.
    score, score_note = submission.score, ""
    if submission.is_final:
        counted = review_scores.effective_score(submission)
        if counted != submission.score:
            score = counted
            score_note = _("set by the course staff; the grader gave %(score)s") % {
                "score": charts.number(submission.score)
            }
    return {
        "id": submission.pk,
        "status": submission.status,
        "status_label": str(submission.get_status_display()),
        "final": submission.is_final,
        "score": score,
        "score_note": score_note,
        "max_score": submission.max_score,
        "charged": submission.charged,
        "message": pick_language(report.get("message") or {}),
        "checks": checks,
        "stdout": report.get("stdout", ""),
        "traceback": report.get("traceback", ""),
        "duration_ms": report.get("duration_ms"),
        "device": report.get("device"),
        "progress": progress.latest(settings.REDIS_URL, submission.pk) if submission.status == "running" else None,
        "series": _series(submission, since, epoch),
        "queue_text": _queue_text(submission),
        "delayed": services.grading_delayed(submission),
    }


def _queue_text(submission: Submission) -> str:
    estimate = services.queue_estimate(submission)
    if estimate is None:
        return ""
    position, seconds = estimate
    text = _("Place in the queue: %(n)d") % {"n": position}
    if seconds is not None:
        text += " · " + _("about %(s)d s, from recent grading times") % {"s": max(1, round(seconds))}
    return text


@login_required
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission, instructor = _get_submission_for_user(request, submission_id)
    initial = status_payload(submission, _lang())
    # The author's dates (an instructor may be looking): what counts, and whether this one was late.
    author = request.user if submission.student_id == request.user.id else submission.student
    deadline = services.late_policy_for(submission.course, submission.exercise, author)
    return render(
        request,
        "submissions/submission.html",
        {
            "submission": submission,
            "chart": charts.context(initial["series"]),
            "chart_labels": charts.labels(),
            # Replay details (seed, failing inputs) are for instructors only.
            "private": (submission.report or {}).get("private") if instructor else None,
            "instructor": instructor,
            "hints_opened": HintReveal.objects.filter(
                course=submission.course, student=submission.student, exercise=submission.exercise
            ).count()
            if instructor
            else None,
            "hints_total": len(submission.version.data.get("hints", [])),
            "course": submission.course,
            "exercise": submission.exercise,
            "initial": initial,
            "poll_ms": settings.STATUS_POLL_MS,
            "score_policy": score_policy(submission.course, [submission.exercise], [deadline]),
            # As it was judged when sent (the due date may have moved since): what its score keeps.
            "on_time": deadline.due is not None and not submission.late and not submission.days_late,
            "credit_share": f"{submission.credit:.0%}",
        },
    )


def _count_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None


@login_required
def submission_status(request: HttpRequest, submission_id: int) -> JsonResponse:
    allowed, retry = ratelimit.allow(settings.REDIS_URL, "status", request.user.id, settings.STATUS_POLLS_PER_MINUTE)
    if not allowed:
        # The page's script backs off on any error and asks again later.
        response = JsonResponse({"error": "too_many_requests", "retry_after": retry}, status=429)
        response["Retry-After"] = str(retry)
        return response
    submission, _ = _get_submission_for_user(request, submission_id, role=False)
    since, epoch = _count_param(request, "since"), _count_param(request, "epoch")
    response = JsonResponse(status_payload(submission, _lang(), since or 0, epoch))
    response["Cache-Control"] = "no-store"
    return response


# --- the editor: what it opens with, and its drafts (autosaved, private to the student) ---------


def _editor_start(request: HttpRequest, enrollment: Enrollment, exercise: Exercise, posted: str | None) -> dict:
    """What the editor opens with, and the notes that say why.

    In order: the code of a refused submission (`posted`), the student's own attempt asked for
    with ?load=, their draft when it is newer than their latest submission, that submission,
    the starter. The line that raised is marked when the code shown is an attempt that ended
    in an error.
    """
    start = {"loaded_attempt": None, "restored_draft": None, "error_line": None, "error_submission": None}
    if posted is not None:
        return {**start, "source": posted, "editor_unsaved": True}
    mine = Submission.objects.filter(course=enrollment.course, student=request.user, exercise=exercise)
    raw = request.GET.get("load", "")
    # Anything but the student's own attempt here is ignored, saying nothing of whether it exists.
    loaded = mine.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None
    shown = loaded or mine.first()
    source = shown.source if shown else exercise.current_version.data["starter"]
    if loaded is None:
        draft = Draft.objects.filter(course=enrollment.course, student=request.user, exercise=exercise).first()
        # Browsers post a textarea's lines ending in CRLF; the editor's draft ends them in LF.
        same = draft is not None and draft.source.replace("\r\n", "\n") == source.replace("\r\n", "\n")
        if draft and not same and (shown is None or draft.updated_at > shown.created_at):
            return {**start, "source": draft.source, "restored_draft": draft, "editor_unsaved": False}
    if shown and shown.status == Submission.Status.ERROR:
        line = student_error_line((shown.report or {}).get("traceback", ""))
        if line:
            start.update(error_line=line, error_submission=shown)
    return {**start, "source": source, "loaded_attempt": loaded, "editor_unsaved": False}


def _discard_draft(enrollment: Enrollment, exercise: Exercise) -> None:
    Draft.objects.filter(course=enrollment.course, student=enrollment.user, exercise=exercise).delete()


def _get_code_exercise_for_user(
    request: HttpRequest, course_slug: str, exercise_slug: str
) -> tuple[Enrollment, Exercise]:
    """The enrollment and the coding exercise; 404 for outsiders and for quizzes alike."""
    enrollment = get_enrollment(request, course_slug)
    exercise = get_exercise_in_course(enrollment.course, exercise_slug)
    if exercise.kind != Exercise.CODE:
        raise Http404("no drafts here")
    return enrollment, exercise


def _draft_error(code: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code}, status=status)


@login_required
@require_http_methods(["POST"])
def save_draft(request: HttpRequest, course_slug: str, exercise_slug: str) -> JsonResponse:
    """Save the editor's text as the student's draft: a JSON body {"source": "..."}."""
    enrollment, exercise = _get_code_exercise_for_user(request, course_slug, exercise_slug)
    allowed, retry = ratelimit.allow(settings.REDIS_URL, "draft", request.user.id, settings.DRAFT_SAVES_PER_MINUTE)
    if not allowed:
        # The editor keeps the text and saves again after Retry-After.
        response = JsonResponse({"error": "too_many_requests", "retry_after": retry}, status=429)
        response["Retry-After"] = str(retry)
        return response
    try:
        body = json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        return _draft_error("not_utf8", 400)
    except ValueError:
        return _draft_error("bad_request", 400)
    source = body.get("source") if isinstance(body, dict) else None
    if not isinstance(source, str):
        return _draft_error("bad_request", 400)
    try:
        size = len(source.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate, which JSON can spell but UTF-8 cannot
        return _draft_error("not_utf8", 400)
    if size > MAX_SOURCE_BYTES:
        return _draft_error("too_large", 413)
    if "\ufffd" in source:
        # As on submission: text that went through a lossy decode is refused, not kept as a guess.
        return _draft_error("not_utf8", 400)
    if "\x00" in source:
        return _draft_error("nul_byte", 400)  # PostgreSQL text cannot hold it, and grading refuses it
    draft, _created = Draft.objects.update_or_create(
        course=enrollment.course, student=request.user, exercise=exercise, defaults={"source": source}
    )
    response = JsonResponse({"saved_at": draft.updated_at.isoformat()})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["POST"])
def discard_draft(request: HttpRequest, course_slug: str, exercise_slug: str) -> HttpResponse:
    """Forget the student's draft; the page opens with their latest submission, or the starter."""
    enrollment, exercise = _get_code_exercise_for_user(request, course_slug, exercise_slug)
    _discard_draft(enrollment, exercise)
    return redirect("exercise", course_slug=course_slug, exercise_slug=exercise_slug)
