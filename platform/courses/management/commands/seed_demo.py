"""Create the demo course with a demo student and a demo instructor, and print their logins.

Passwords are random per installation, kept in var/demo-logins.txt (never in
the repository), and printed again on every run.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalog.models import Lesson
from courses.models import Course, CourseLesson, Enrollment

DEMO_USERS = [
    ("aluna", Enrollment.STUDENT, "Ana", "Aluna"),
    ("professora", Enrollment.INSTRUCTOR, "Paula", "Professora"),
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo course, student and instructor; print their logins."

    def handle(self, *args, **options):
        lessons = list(Lesson.objects.all())
        if not lessons:
            raise CommandError("no lessons in the catalog: run `python manage.py sync_exercises` first")
        logins_file = settings.VAR_DIR / "demo-logins.txt"
        saved = {}
        if logins_file.exists():
            for line in logins_file.read_text().splitlines():
                username, _, password = line.partition(" ")
                saved[username] = password
        User = get_user_model()
        with transaction.atomic():
            course, _ = Course.objects.get_or_create(
                slug="redes-neurais-gpt",
                defaults={"title": {"pt": "Redes neurais e ChatGPT", "en": "Neural networks and ChatGPT"}},
            )
            for index, lesson in enumerate(lessons):
                CourseLesson.objects.get_or_create(course=course, lesson=lesson, defaults={"order": index})
            for username, role, first, last in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username, defaults={"first_name": first, "last_name": last}
                )
                if created or username not in saved:
                    saved[username] = secrets.token_urlsafe(9)
                    user.set_password(saved[username])
                # Teaching happens on the site, not in Django's admin: no demo account is staff
                # (an operator makes their own with `manage.py createsuperuser`).
                user.is_staff = False
                user.save()
                Enrollment.objects.update_or_create(course=course, user=user, defaults={"role": role})
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text("".join(f"{u} {p}\n" for u, p in saved.items()))
        logins_file.chmod(0o600)
        joining = f"join code {course.join_code_display}"
        self.stdout.write(self.style.SUCCESS(f"Demo course: {course.display_title} ({joining})"))
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {role:<10}  login: {username:<11} password: {saved[username]}")
