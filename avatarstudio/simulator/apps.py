from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "avatarstudio.simulator"
    label = "simulator"
    verbose_name = "Kling simulator"
