from django.contrib import admin
from django.urls import include, path

from avatarstudio import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("avatarstudio.accounts.urls")),
    path("", include("avatarstudio.studio.urls")),
]
