"""`make serve` and the Procfile's web process (gunicorn.conf.py) refuse to serve with DEBUG on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-production-secret-key-for-the-check-only-0123456789",
    "ALLOWED_HOSTS": "avatars.example.com",
}


def check_config(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [str(GUNICORN), "--config", "gunicorn.conf.py", "--check-config", "avatarstudio.wsgi"],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("debug", [None, "1", "true"])
def test_gunicorn_refuses_to_start_with_debug_on_and_says_what_to_set(debug):
    result = check_config(**({"DEBUG": debug} if debug else {}))
    assert result.returncode != 0
    assert "Refusing to serve with DEBUG on. Set DEBUG=0, SECRET_KEY and ALLOWED_HOSTS" in (
        result.stdout + result.stderr
    )


def test_gunicorn_starts_with_production_settings():
    result = check_config(**PRODUCTION)
    assert result.returncode == 0, result.stderr
