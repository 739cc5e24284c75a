"""A load run on the production web tier: gunicorn, 200 users polling status cards and 10
uploading photos and voices, for 60 s, with locust.

Run: .venv/bin/python bench/load_mixed.py [--seconds 60] [--postgres] [--workers 4] [--threads 8]
It makes a fresh database and media folder, a member with 50 running generations, starts
gunicorn (DEBUG off, as in production) and locust headless, and ends with one line:
`load: <requests/s> req/s, p99 <ms> ms, <errors> errors (goal 0 errors)`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _django import fresh_postgres

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=int, default=60)
parser.add_argument("--postgres", action="store_true")
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--threads", type=int, default=8)
arguments = parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


folder = Path(tempfile.mkdtemp(prefix="avatarstudio-load-"))
port = free_port()
ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "VAR_DIR": str(folder),
    "LOG_LEVEL": "WARNING",
    "COMETAPI_KEY": "load-test-key",  # nothing is sent: no worker runs during the load
    "PORT": str(port),
    "WEB_HOST": "127.0.0.1",
    "WEB_WORKERS": str(arguments.workers),
    "WEB_THREADS": str(arguments.threads),
}
if arguments.postgres:
    ENV["DATABASE_URL"] = fresh_postgres("avatarstudio_load")
    ENV["DB_CONN_MAX_AGE"] = "60"
os.environ.update(ENV)


def prepare() -> dict[str, str]:
    """Migrate, then a member signed in with 50 running generations; what locust needs."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avatarstudio.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from avatarstudio.accounts.models import Team
    from avatarstudio.studio.models import Generation, Status
    from tests.media_factory import photo_bytes, voice_bytes

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user("load@example.com", "load@example.com", "pw-1")
    team = Team.objects.personal_for(user)
    cards = []
    for number in range(50):
        generation = Generation(
            team=team, created_by=user, status=Status.PROCESSING, prompt=f"Load {number}"
        )
        generation.photo.save("photo.jpg", ContentFile(b"x"), save=False)
        generation.save()
        cards.append(generation.get_absolute_url())
    client = Client()
    client.force_login(user)
    (folder / "photo.jpg").write_bytes(photo_bytes(600, 800))
    (folder / "voice.wav").write_bytes(voice_bytes(3.0, "wav"))
    return {
        "LOAD_SESSION": client.cookies["sessionid"].value,
        "LOAD_CSRF": _get_new_csrf_string(),
        "LOAD_CARDS": json.dumps(cards),
        "LOAD_PHOTO": str(folder / "photo.jpg"),
        "LOAD_VOICE": str(folder / "voice.wav"),
    }


def main() -> None:
    load_env = prepare()
    web = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py", "avatarstudio.wsgi"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "gunicorn.log").open("w"),
    )
    host = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{host}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        subprocess.run(
            [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"),
             "--headless", "--users", "210", "--spawn-rate", "70",
             "--run-time", f"{arguments.seconds}s", "--host", host,
             "--csv", str(folder / "load"), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT,
            env={**ENV, **load_env},
            check=False,
        )  # fmt: skip
    finally:
        web.terminate()
        web.wait(timeout=30)
    with (folder / "load_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    for name in ("status card", "create (upload)"):
        row = rows[name]
        print(
            f"{name}: {row['Request Count']} requests, {row['Failure Count']} failed, "
            f"{float(row['Requests/s']):.1f}/s, median {row['50%']} ms, p99 {row['99%']} ms"
        )
    total = rows["Aggregated"]
    print(
        f"load: {float(total['Requests/s']):.1f} req/s, p99 {total['99%']} ms, "
        f"{total['Failure Count']} errors (goal 0 errors)"
    )


if __name__ == "__main__":
    main()
