from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "avatarstudio.studio"
    label = "studio"
    verbose_name = "Studio"

    def ready(self) -> None:
        from avatarstudio.studio import signals  # noqa: F401 (connects the receivers)
