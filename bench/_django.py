"""Shared set-up for the benchmarks: a throwaway project folder (SQLite, media) and Django."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(**env: str) -> Path:
    """Point VAR_DIR at a fresh temporary folder, start Django and migrate; return the folder."""
    sys.path.insert(0, str(ROOT))
    folder = Path(tempfile.mkdtemp(prefix="avatarstudio-bench-"))
    os.environ.update(
        {"VAR_DIR": str(folder), "STATIC_ROOT": str(folder / "static"), "LOG_LEVEL": "WARNING"}
        | env
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avatarstudio.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # With DEBUG off, pages name hashed static files: collect them as a deploy does.
    call_command("collectstatic", verbosity=0, interactive=False)
    return folder


def fresh_postgres(name: str) -> str:
    """Drop and create database ``name`` on the local PostgreSQL server; return its URL."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")
        db.execute(f"CREATE DATABASE {name}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
