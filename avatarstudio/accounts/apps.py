from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "avatarstudio.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self) -> None:
        from avatarstudio.accounts import signals  # noqa: F401  (connects the receivers)
