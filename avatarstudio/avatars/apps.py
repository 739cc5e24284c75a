from django.apps import AppConfig


class AvatarsConfig(AppConfig):
    name = "avatarstudio.avatars"
    label = "avatars"
    verbose_name = "Avatars and consent"
