from django.apps import AppConfig
from django.urls import register_converter

from avatarstudio.core.converters import TokenConverter


class CoreConfig(AppConfig):
    """What every app uses: storage paths, shared choices, formatting, file streaming, logs."""

    name = "avatarstudio.core"

    def ready(self) -> None:
        from avatarstudio.core import checks  # noqa: F401  (registers the deploy checks)

        register_converter(TokenConverter, "token")
