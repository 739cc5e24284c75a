"""Shared by the HTTP benchmarks: the production web tier on this machine, and a small client.

``Site`` makes a fresh database and media folder, a member signed in with running
generations, and starts gunicorn as `make serve` does (DEBUG off, Redis as the cache); the
same site can be served by an earlier commit's code, checked out beside this one, for a
side-by-side run. ``Client`` is an asyncio HTTP/1.1 client with kept-alive connections that
sends prepared bytes and reads only the status and the body's length: it costs a fraction of
what the server spends on a request, so the server is what gets measured.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
REDIS_DB = "redis://127.0.0.1:6379/13"  # a database of its own, emptied first


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """A fresh production site: ``prepare`` once, then ``serve`` it from any checkout."""

    def __init__(self, *, postgres_url: str = "", workers: int = 0, threads: int = 0):
        self.folder = Path(tempfile.mkdtemp(prefix="avatarstudio-site-"))
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": str(self.folder),
            "STATIC_ROOT": str(self.folder / "static"),
            "LOG_LEVEL": "WARNING",
            "CACHE_URL": REDIS_DB,
            "COMETAPI_KEY": "bench-key",  # nothing is sent: no worker runs
            "WEB_HOST": "127.0.0.1",
        }
        if workers:
            self.env["WEB_WORKERS"] = str(workers)
        if threads:
            self.env["WEB_THREADS"] = str(threads)
        if postgres_url:
            self.env["DATABASE_URL"] = postgres_url
            self.env["DB_CONN_MAX_AGE"] = "60"
        self.session = ""
        self.cards: list[str] = []

    def prepare(self, cards: int) -> None:
        """Migrate, collect the static files, and a member with ``cards`` running videos."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avatarstudio.settings")
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.cache import caches
        from django.core.files.base import ContentFile
        from django.core.management import call_command
        from django.test import Client

        from avatarstudio.accounts.models import Team
        from avatarstudio.studio.models import Generation, Status

        caches["default"].clear()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        user = get_user_model().objects.create_user("site@example.com", "site@example.com", "pw")
        team = Team.objects.personal_for(user)
        for number in range(cards):
            generation = Generation(
                team=team, created_by=user, status=Status.PROCESSING, prompt=f"Card {number}"
            )
            generation.photo.save("photo.jpg", ContentFile(b"x"), save=False)
            generation.save()
            self.cards.append(generation.get_absolute_url())
        client = Client()
        client.force_login(user)
        self.session = client.cookies["sessionid"].value

    def serve(self, checkout: Path = ROOT) -> Server:
        return Server(self, checkout)


class Server:
    """gunicorn serving the site from ``checkout``; a context manager."""

    def __init__(self, site: Site, checkout: Path) -> None:
        self.site, self.checkout = site, checkout
        self.port = free_port()
        self.host = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py",
             "avatarstudio.wsgi"],
            cwd=self.checkout,
            env={**self.site.env, "PORT": str(self.port), "PYTHONPATH": str(self.checkout)},
            stdout=subprocess.DEVNULL,
            stderr=(self.site.folder / f"gunicorn-{self.port}.log").open("w"),
        )  # fmt: skip
        for _ in range(150):
            try:
                if httpx.get(f"{self.host}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start; see {self.site.folder}")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(
            f"{self.host}{path}",
            cookies={"sessionid": self.site.session},
            headers={"HX-Request": "true"},
            timeout=10,
        )

    def poll_address(self, card: str) -> str:
        """Where the card polls once rendered: with its token, on code that hands one out."""
        answer = self.get(card)
        answer.raise_for_status()
        found = re.search(r'<article class="status-card[^>]*\shx-get="([^"]+)"', answer.text)
        return unescape(found.group(1)) if found else card

    def static_file(self) -> str:
        """The stylesheet every page links, under its hashed name."""
        page = httpx.get(f"{self.host}/accounts/login/", timeout=10).text
        return re.search(r'href="(/static/css/app\.[^"]+\.css)"', page).group(1)


def request_bytes(path: str, session: str = "", htmx: bool = False) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept-Encoding: gzip"]
    if session:
        lines.append(f"Cookie: sessionid={session}")
    if htmx:
        lines.append("HX-Request: true")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Connection:
    """One kept-alive connection: ``ask`` sends a request and returns its status."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def ask(self, request: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(request)
        status_line = await self.reader.readline()
        if not status_line:  # the server closed a kept-alive connection: open another
            self.close()
            return await self.ask(request)
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            while size := int((await self.reader.readline()).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        elif length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0
