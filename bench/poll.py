"""A status-card poll versus a bare Django view, through the same stack.

Run: .venv/bin/python bench/poll.py
A signed-in member requests both through Django's whole handler and middleware (in-process,
no network), interleaved, many times, with production settings (DEBUG off, so no query log);
the figure is the ratio of their medians.
"""

from __future__ import annotations

import time

from _django import median, setup

setup(
    ALLOWED_HOSTS="testserver",
    DEBUG="0",
    SECRET_KEY="bench-only-secret-key-bench-only-secret-key-0123456789",
    SECURE_SSL_REDIRECT="0",
)

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from avatarstudio.accounts.models import Team
from avatarstudio.studio.models import Generation, Status

GOAL = 1.5
ROUNDS = 1500


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("avatarstudio.urls"))]


def measure(get, card: str, headers: dict) -> tuple[float, float]:
    timings: dict[str, list[float]] = {"poll": [], "bare": []}
    for name, url, extra in (("poll", card, headers), ("bare", "/bench/bare/", {})):
        assert get(url, extra) == 200, name
    for _ in range(ROUNDS):
        for name, url, extra in (("poll", card, headers), ("bare", "/bench/bare/", {})):
            started = time.perf_counter()
            get(url, extra)
            timings[name].append(time.perf_counter() - started)
    return median(timings["poll"]), median(timings["bare"])


def main() -> None:
    user = get_user_model().objects.create_user(
        "poll@example.com", "poll@example.com", "pw-bench-1"
    )
    team = Team.objects.personal_for(user)
    generation = Generation(team=team, created_by=user, status=Status.PROCESSING, prompt="Bench")
    generation.photo.save("photo.jpg", ContentFile(b"x"), save=False)
    generation.save()
    client = Client()
    client.force_login(user)
    card = generation.get_absolute_url()
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{card}"}

    with override_settings(ROOT_URLCONF=__name__):
        poll, plain = measure(lambda url, h: client.get(url, headers=h).status_code, card, headers)
    print(f"status poll: {poll * 1000:.2f} ms median; bare view: {plain * 1000:.2f} ms median")
    print(f"poll: {poll / plain:.2f}x a bare view (goal <= {GOAL}x)")


if __name__ == "__main__":
    main()
