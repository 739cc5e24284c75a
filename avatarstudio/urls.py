from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from avatarstudio.core import health
from avatarstudio.library import urls as library_urls
from avatarstudio.studio import views as studio_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("healthz/deep", health.healthz_deep, name="healthz_deep"),
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("avatarstudio.accounts.urls")),
    path("", studio_views.home, name="dashboard"),
    path("", include("avatarstudio.studio.urls")),
    path("library/", include("avatarstudio.library.urls")),
    *library_urls.shared_urlpatterns,
]
