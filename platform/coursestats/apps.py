from django.apps import AppConfig


class CoursestatsConfig(AppConfig):
    # Not "statistics": platform/ is on sys.path and would shadow the standard library's module.
    name = "coursestats"
    verbose_name = "Course statistics"
