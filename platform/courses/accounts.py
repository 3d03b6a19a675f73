"""A student's own account: sign up, and join or leave a course with the code its instructor shares.

Log in, log out, password change and reset are Django's views (config/urls.py) with the
site's templates; e-mail goes through EMAIL_BACKEND (the console by default).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from courses.models import Course, Enrollment, normalize_join_code
from courses.staff import may_create_courses


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        label=gettext_lazy("E-mail"), help_text=gettext_lazy("For resetting a forgotten password.")
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail already exists; reset its password instead."))
        return email


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="config.session_cache.CachedModelBackend")
        messages.success(request, _("Welcome! Join your course with the code your instructor gave you."))
        return redirect("courses")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    """Every course of the user, and the form to join one more."""
    return _courses_page(request, request.GET.get("code", "")[:40])


def _courses_page(request: HttpRequest, code: str, error: str | None = None, status: int = 200) -> HttpResponse:
    enrollments = list(Enrollment.objects.filter(user=request.user).select_related("course"))
    context = {
        "enrollments": enrollments,
        "code": code,
        "join_error": error,
        "may_create": may_create_courses(request.user),
    }
    return render(request, "courses/home.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def join(request: HttpRequest) -> HttpResponse:
    typed = request.POST.get("code", "")[:40]
    code = normalize_join_code(typed)
    course = Course.objects.filter(join_code=code).first() if code else None
    if course is None:
        error = _("No course has this code. Check it with your instructor (letters and digits, dash optional).")
        return _courses_page(request, typed, error, status=400)
    try:
        with transaction.atomic():
            enrollment, created = Enrollment.objects.get_or_create(
                course=course, user=request.user, defaults={"role": Enrollment.STUDENT}
            )
    except IntegrityError:  # two clicks at once: the other one enrolled
        created = False
    if created:
        messages.success(request, _("You joined %(course)s.") % {"course": course.display_title})
    else:
        messages.info(request, _("You are already in %(course)s.") % {"course": course.display_title})
    return redirect("course", course_slug=course.slug)


@login_required
@require_http_methods(["POST"])
def leave(request: HttpRequest, course_slug: str) -> HttpResponse:
    """A student leaves a course; their submissions stay for the instructors' records."""
    enrollment = Enrollment.objects.select_related("course").filter(course__slug=course_slug, user=request.user).first()
    if enrollment is None:
        raise Http404("not in this course")
    if enrollment.role != Enrollment.STUDENT:
        messages.error(request, _("Instructors leave a course through its administrators."))
        return redirect("course", course_slug=course_slug)
    title = enrollment.course.display_title
    enrollment.delete()
    messages.success(request, _("You left %(course)s. Join again with its code whenever you want.") % {"course": title})
    return redirect("courses")
