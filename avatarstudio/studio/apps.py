from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "avatarstudio.studio"
    label = "studio"
    verbose_name = "Studio"
