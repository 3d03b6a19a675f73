from django.apps import AppConfig


class RegradeConfig(AppConfig):
    name = "regrade"
    verbose_name = "Regrade"
