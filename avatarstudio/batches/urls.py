from django.urls import path

from avatarstudio.batches import views

app_name = "batches"

urlpatterns = [
    path("batches/", views.batch_list, name="list"),
    path("batches/new/", views.batch_new, name="new"),
    path("batches/<uuid:pk>/", views.batch_detail, name="detail"),
    path("batches/<uuid:pk>/start/", views.batch_start, name="start"),
    path("batches/<uuid:pk>/discard/", views.batch_discard, name="discard"),
    path("batches/<uuid:pk>/retry/", views.retry_failed, name="retry"),
    path("batches/<uuid:pk>/clips.zip", views.download_all, name="download"),
]
