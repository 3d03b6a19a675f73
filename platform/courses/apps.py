from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        from courses import course_index  # noqa: F401 - connects the receivers that keep what it holds true
