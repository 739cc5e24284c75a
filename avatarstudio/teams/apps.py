from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "avatarstudio.teams"
    label = "teams"
    verbose_name = "Team pages"
