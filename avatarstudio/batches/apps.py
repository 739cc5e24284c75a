from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "avatarstudio.batches"
    label = "batches"
    verbose_name = "Batches"
