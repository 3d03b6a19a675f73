from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        # Each connects the receivers that keep what it holds true. session_cache's drops a user's
        # copy on every save in any process (a password changed by manage.py too), not only in
        # those that loaded the session engine.
        from config import session_cache  # noqa: F401
        from courses import course_index  # noqa: F401
