"""Running a course: creating one, its settings (titles, join code, roles, lesson dates and late
policy), per-student extensions and enrolment by CSV.

Who may do what: any staff member (instructor or teaching assistant) grants and revokes
extensions; only an instructor changes the settings or enrols by CSV. Everyone else gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog.models import Lesson
from courses import mail, policies, roster
from courses.access import get_lesson_in_course, get_staff_enrollment
from courses.deadlines import DUE_YEARS, parse_local_datetime
from courses.models import Course, CourseLesson, Enrollment, Extension, new_join_code

TITLE_MAX = 200


def _local_input(when) -> str:
    """A stored date as a datetime-local input shows it (site time zone)."""
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M") if when else ""


def _time_zone_name() -> str:
    return settings.TIME_ZONE


# --- creating a course ----------------------------------------------------------------------


def may_create_courses(user) -> bool:
    """COURSE_CREATORS: "staff" (the site's staff accounts, the default) or "anyone" logged in."""
    if not user.is_authenticated:
        return False
    return settings.COURSE_CREATORS == "anyone" or user.is_staff


@login_required
@require_http_methods(["GET", "POST"])
def new_course(request: HttpRequest) -> HttpResponse:
    if not may_create_courses(request.user):
        raise Http404("not allowed to create courses")
    lessons = list(Lesson.objects.all())  # catalog order
    errors: dict[str, str] = {}
    typed = {"title_pt": "", "title_en": "", "slug": ""}
    chosen = {lesson.slug for lesson in lessons}
    if request.method == "POST":
        typed = {name: request.POST.get(name, "").strip()[: TITLE_MAX + 1] for name in typed}
        chosen = set(request.POST.getlist("lessons"))
        for name in ("title_pt", "title_en"):
            if not typed[name]:
                errors[name] = _("Write a title.")
            elif len(typed[name]) > TITLE_MAX:
                errors[name] = _("At most %(n)d characters.") % {"n": TITLE_MAX}
        slug = typed["slug"]
        if not slug:
            errors["slug"] = _("Write a short name for the address.")
        elif slug != slugify(slug) or len(slug) > 50:
            errors["slug"] = _("Use only lowercase letters, digits and hyphens (at most 50), e.g. %(example)s.") % {
                "example": slugify(slug)[:50] or "redes-neurais-2025"
            }
        elif Course.objects.filter(slug=slug).exists():
            errors["slug"] = _("Another course already has this address.")
        if not errors:
            try:
                with transaction.atomic():
                    course = Course.objects.create(slug=slug, title={"pt": typed["title_pt"], "en": typed["title_en"]})
                    order = 0
                    for lesson in lessons:
                        if lesson.slug in chosen:
                            CourseLesson.objects.create(course=course, lesson=lesson, order=order)
                            order += 1
                    Enrollment.objects.create(course=course, user=request.user, role=Enrollment.INSTRUCTOR)
            except IntegrityError:  # the same address taken a moment ago
                errors["slug"] = _("Another course already has this address.")
            else:
                return redirect("course_settings", course_slug=course.slug)
    return render(
        request,
        "courses/new_course.html",
        {"lessons": lessons, "chosen": chosen, "typed": typed, "errors": errors},
        status=400 if errors else 200,
    )


# --- the settings page ------------------------------------------------------------------------


@dataclass
class LessonForm:
    """One lesson's dates and late policy as the settings page shows them (typed values kept on errors)."""

    course_lesson: CourseLesson
    opens_at: str
    due_at: str
    late_policy: str
    penalty_percent: str
    penalty_max_days: str
    errors: dict

    @classmethod
    def of(cls, course_lesson: CourseLesson) -> LessonForm:
        max_days = course_lesson.penalty_max_days
        return cls(
            course_lesson,
            _local_input(course_lesson.opens_at),
            _local_input(course_lesson.due_at),
            course_lesson.late_policy,
            str(course_lesson.penalty_percent),
            "" if max_days is None else str(max_days),
            {},
        )

    @property
    def prefix(self) -> str:
        return self.course_lesson.lesson.slug


def _whole_number(typed: str, low: int, high: int) -> int | None:
    return int(typed) if typed.isascii() and typed.isdigit() and low <= int(typed) <= high else None


def save_lesson_form(course_lesson: CourseLesson, post) -> LessonForm:
    """Check and save one lesson's dates and policy; on any error nothing is saved and the form keeps what was typed."""
    form = LessonForm(
        course_lesson,
        post.get("opens_at", "").strip()[:40],
        post.get("due_at", "").strip()[:40],
        post.get("late_policy", ""),
        post.get("penalty_percent", "").strip()[:6],
        post.get("penalty_max_days", "").strip()[:6],
        {},
    )
    dates = {}
    for name in ("opens_at", "due_at"):
        typed = getattr(form, name)
        if not typed:
            dates[name] = None
            continue
        try:
            dates[name] = parse_local_datetime(typed)
        except ValueError as exc:
            form.errors[name] = str(exc)
    if not form.errors and dates["opens_at"] and dates["due_at"] and dates["opens_at"] > dates["due_at"]:
        form.errors["opens_at"] = _("the lesson must open before its due date")
    if form.late_policy not in dict(CourseLesson.LATE_POLICY_CHOICES):
        form.errors["late_policy"] = _("choose a late policy")
    percent = _whole_number(form.penalty_percent, 1, 100)
    if form.late_policy == CourseLesson.PENALTY and percent is None:
        form.errors["penalty_percent"] = _("a whole number from 1 to 100")
    max_days = _whole_number(form.penalty_max_days, 1, 365) if form.penalty_max_days else None
    if form.penalty_max_days and max_days is None:
        form.errors["penalty_max_days"] = _("a whole number of days from 1 to 365, or empty for no limit")
    if form.errors:
        return form
    course_lesson.opens_at = dates["opens_at"]
    course_lesson.due_at = dates["due_at"]
    course_lesson.late_policy = form.late_policy
    if percent is not None:
        course_lesson.penalty_percent = percent
    course_lesson.penalty_max_days = max_days
    course_lesson.save(update_fields=["opens_at", "due_at", "late_policy", "penalty_percent", "penalty_max_days"])
    return LessonForm.of(course_lesson)


def _change_role(course: Course, enrollment_id: str, role: str) -> str | None:
    """Set a member's role; returns an error to show, or None. The course always keeps an instructor."""
    if role not in dict(Enrollment.ROLE_CHOICES) or not enrollment_id.isdigit():
        return _("Choose a member and a role.")
    with transaction.atomic():
        members = Enrollment.objects.select_for_update().filter(course=course)
        member = members.filter(pk=int(enrollment_id)).first()
        if member is None:
            return _("Choose a member and a role.")
        demoted = member.role == Enrollment.INSTRUCTOR and role != Enrollment.INSTRUCTOR
        if demoted and members.filter(role=Enrollment.INSTRUCTOR).count() <= 1:
            return _("%(name)s is the course's only instructor: make someone else instructor first.") % {
                "name": member.user.get_username()
            }
        member.role = role
        member.save(update_fields=["role"])
    return None


def _regenerate_join_code(course: Course) -> None:
    for _attempt in range(20):
        code = new_join_code()
        if not Course.objects.filter(join_code=code).exists():
            break
    course.join_code = code
    course.save(update_fields=["join_code"])


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug, instructor_only=True)
    course = enrollment.course
    course_lessons = list(CourseLesson.objects.filter(course=course).select_related("lesson"))
    forms = {cl.lesson.slug: LessonForm.of(cl) for cl in course_lessons}
    errors: dict[str, str] = {}
    titles = {"pt": course.title.get("pt", ""), "en": course.title.get("en", "")}
    typed_policy = {
        "code_attempts": "" if course.code_attempts is None else str(course.code_attempts),
        "quiz_attempts": "" if course.quiz_attempts is None else str(course.quiz_attempts),
        "quiz_score": course.quiz_score,
    }
    url = reverse("course_settings", args=[course_slug])
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "titles":
            titles = {lang: request.POST.get(f"title_{lang}", "").strip()[: TITLE_MAX + 1] for lang in ("pt", "en")}
            if not all(titles.values()) or any(len(t) > TITLE_MAX for t in titles.values()):
                errors["titles"] = _("Both titles are needed, at most %(n)d characters each.") % {"n": TITLE_MAX}
            else:
                course.title = titles
                course.save(update_fields=["title"])
                return redirect(url + "?saved=titles#titles")
        elif action == "join_code":
            if request.POST.get("confirm") != "yes":
                errors["join_code"] = _("Tick the box to confirm: the current code will stop working.")
            else:
                _regenerate_join_code(course)
                return redirect(url + "?saved=join_code#join-code")
        elif action == "role":
            error = _change_role(course, request.POST.get("member", ""), request.POST.get("role", ""))
            if error:
                errors["roles"] = error
            else:
                return redirect(url + "?saved=roles#roles")
        elif action == "attempts":
            fields = ("code_attempts", "quiz_attempts", "quiz_score")
            typed_policy = {k: request.POST.get(k, "").strip()[:12] for k in fields}
            error = _save_attempt_policy(course, typed_policy)
            if error:
                errors["attempts"] = error
            else:
                return redirect(url + "?saved=attempts#attempts")
        elif action == "lesson":
            form = forms.get(request.POST.get("lesson", ""))
            if form is None:
                raise Http404("no such lesson in this course")
            form = save_lesson_form(form.course_lesson, request.POST)
            forms[form.prefix] = form
            if not form.errors:
                return redirect(url + f"?saved={form.prefix}#lesson-{form.prefix}")
            errors["lessons"] = _("Nothing was saved for %(lesson)s: see the fields marked below.") % {
                "lesson": form.course_lesson.lesson.display_title
            }
        else:
            errors["form"] = _("Unknown action.")
    members = Enrollment.objects.filter(course=course).select_related("user").order_by("role", "user__username")
    return render(
        request,
        "courses/settings.html",
        {
            "course": course,
            "titles": titles,
            "lesson_forms": list(forms.values()),
            "members": members,
            "roles": Enrollment.ROLE_CHOICES,
            "policies": CourseLesson.LATE_POLICY_CHOICES,
            "attempt_policy": typed_policy,
            "max_code_attempts": policies.MAX_CODE_ATTEMPTS,
            "max_quiz_attempts": policies.MAX_QUIZ_ATTEMPTS,
            "errors": errors,
            "saved": "" if request.method == "POST" else request.GET.get("saved", ""),
            "time_zone": _time_zone_name(),
            "due_years": DUE_YEARS,
        },
        status=400 if errors else 200,
    )


def _save_attempt_policy(course: Course, typed: dict[str, str]) -> str:
    """Save the course's attempt and score policy; the error that refused it, or ''."""
    values = {}
    for field, top, low in (
        ("code_attempts", policies.MAX_CODE_ATTEMPTS, 0),
        ("quiz_attempts", policies.MAX_QUIZ_ATTEMPTS, 1),
    ):
        raw = typed[field]
        if raw == "":
            values[field] = None  # each item's own
        elif raw.isascii() and raw.isdigit() and low <= int(raw) <= top:
            values[field] = int(raw)
        else:
            return _("An attempt limit is a whole number from %(low)d to %(top)d, or empty for each item's own.") % {
                "low": low,
                "top": top,
            }
    if typed["quiz_score"] not in ("", *dict(Course.QUIZ_SCORE_CHOICES)):
        return _("Choose which score a question keeps.")
    values["quiz_score"] = typed["quiz_score"]
    for field, value in values.items():
        setattr(course, field, value)
    course.save(update_fields=list(values))
    return ""


# --- extensions -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lesson_extensions(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    """Staff (teaching assistants too) grant a student a later due date for one lesson, or revoke it."""
    enrollment = get_staff_enrollment(request, course_slug)
    course = enrollment.course
    course_lesson = get_lesson_in_course(course, lesson_slug)
    students = list(
        get_user_model()
        .objects.filter(enrollments__course=course, enrollments__role=Enrollment.STUDENT)
        .order_by("username")
    )
    error = None
    typed = {"student": "", "due_at": "", "reason": ""}
    url = reverse("lesson_extensions", args=[course_slug, lesson_slug])
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            Extension.objects.filter(
                course=course, lesson=course_lesson.lesson, pk=_int_or_none(request.POST.get("extension", ""))
            ).delete()
            return redirect(url + "?saved=revoked")
        typed = {
            "student": request.POST.get("student", "")[:20],
            "due_at": request.POST.get("due_at", "").strip()[:40],
            "reason": request.POST.get("reason", "").strip()[:200],
        }
        student = next((s for s in students if str(s.pk) == typed["student"]), None)
        if student is None:
            error = _("Choose a student of the course.")
        else:
            try:
                due = parse_local_datetime(typed["due_at"])
            except ValueError as exc:
                error = _("The due date: %(reason)s; nothing was saved.") % {"reason": exc}
            else:
                if course_lesson.opens_at and due < course_lesson.opens_at:
                    error = _("The extension must end after the lesson opens.")
                else:
                    Extension.objects.update_or_create(
                        course=course,
                        lesson=course_lesson.lesson,
                        student=student,
                        defaults={"due_at": due, "reason": typed["reason"], "by": request.user},
                    )
                    return redirect(url + "?saved=granted")
    extensions = Extension.objects.filter(course=course, lesson=course_lesson.lesson).select_related("student", "by")
    return render(
        request,
        "courses/extensions.html",
        {
            "course": course,
            "course_lesson": course_lesson,
            "lesson": course_lesson.lesson,
            "students": students,
            "extensions": extensions.order_by("student__username"),
            "typed": typed,
            "error": error,
            "saved": "" if request.method == "POST" else request.GET.get("saved", ""),
            "instructor": enrollment.is_instructor,
            "time_zone": _time_zone_name(),
        },
        status=400 if error else 200,
    )


def _int_or_none(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


# --- enrolment by CSV -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enrol_csv(request: HttpRequest, course_slug: str) -> HttpResponse:
    enrollment = get_staff_enrollment(request, course_slug, instructor_only=True)
    course = enrollment.course
    result = None
    mail_state = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            result = roster.Result(errors=[roster.RowError(0, _("choose a CSV file to upload"))])
        elif upload.size > settings.MAX_REQUEST_BYTES:
            result = roster.Result(
                errors=[
                    roster.RowError(
                        0, _("the file is larger than %(n)d KiB; split it") % {"n": settings.MAX_REQUEST_BYTES // 1024}
                    )
                ]
            )
        else:
            result = roster.import_roster(course, upload.read())
            if result.ok:
                # The roster is committed; the mails go out from the background worker.
                mail_state = mail.queue_welcome_mail(
                    course, result.created, request.build_absolute_uri("/"), translation.get_language() or "pt-br"
                )
        status = 200 if result.ok else 400
    return render(
        request,
        "courses/enrol_csv.html",
        {
            "course": course,
            "result": result,
            "mail_state": mail_state,
            "max_rows": roster.MAX_ROWS,
            "columns": roster.COLUMNS,
        },
        status=status,
    )
