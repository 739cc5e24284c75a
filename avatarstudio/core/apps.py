from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses: storage paths, shared choices, formatting, file streaming, logs."""

    name = "avatarstudio.core"
