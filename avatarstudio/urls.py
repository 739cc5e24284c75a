from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from avatarstudio.core import health, ratelimit
from avatarstudio.library import urls as library_urls
from avatarstudio.studio import views as studio_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("healthz/deep", health.healthz_deep, name="healthz_deep"),
    # Sign-up sends an email each time: counted per address before allauth's own view.
    path(
        "accounts/signup/",
        ratelimit.rate_limited("signup")(allauth_views.signup),
        name="account_signup",
    ),
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("avatarstudio.accounts.urls")),
    path("", studio_views.home, name="dashboard"),
    path("", include("avatarstudio.studio.urls")),
    path("", include("avatarstudio.avatars.urls")),
    path("", include("avatarstudio.batches.urls")),
    path("library/", include("avatarstudio.library.urls")),
    *library_urls.shared_urlpatterns,
]

# allauth answers its own rate limits (sign-in attempts, password resets) with this.
handler429 = ratelimit.allauth_refused
