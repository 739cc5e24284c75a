"""The load test's users (run by bench/load_mixed.py): 200 watching status cards, 10 uploading.

The bench passes a session cookie, a CSRF token and the cards to poll through environment
variables, so the users start signed in.
"""

import json
import os
import random
import uuid

from locust import HttpUser, constant, task

SESSION = os.environ["LOAD_SESSION"]
CSRF = os.environ["LOAD_CSRF"]
CARDS = json.loads(os.environ["LOAD_CARDS"])
PHOTO = open(os.environ["LOAD_PHOTO"], "rb").read()  # noqa: SIM115 (read once at import)
VOICE = open(os.environ["LOAD_VOICE"], "rb").read()  # noqa: SIM115


class SignedIn(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", SESSION)
        self.client.cookies.set("csrftoken", CSRF)


class Watcher(SignedIn):
    """Has a generation page open: htmx polls its status card every 2 s."""

    fixed_count = 200
    wait_time = constant(2)

    def on_start(self) -> None:
        super().on_start()
        self.card = random.choice(CARDS)

    @task
    def poll_status_card(self) -> None:
        self.client.get(
            self.card,
            headers={"HX-Request": "true", "HX-Current-URL": f"{self.host}{self.card}"},
            name="status card",
        )


class Uploader(SignedIn):
    """Fills in the create form with a photo and a voice, and sends it."""

    fixed_count = 10
    wait_time = constant(1)

    @task
    def upload(self) -> None:
        with self.client.post(
            "/create/",
            data={"mode": "std", "submission_token": str(uuid.uuid4()), "voice_source": "upload"},
            files={
                "photo": ("face.jpg", PHOTO, "image/jpeg"),
                "audio": ("voice.wav", VOICE, "audio/wav"),
            },
            headers={"X-CSRFToken": CSRF, "Referer": f"{self.host}/create/"},
            allow_redirects=False,
            name="create (upload)",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(
                    f"expected a redirect to the new generation, got {response.status_code}"
                )
