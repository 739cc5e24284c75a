from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "avatarstudio.library"
    label = "library"
    verbose_name = "Library"
