"""Shared fixtures: strict, fast settings and the three standing users (owner, member, outsider)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from avatarstudio.accounts.models import Role, Team
from avatarstudio.simulator.server import SimulatorServer
from tests.helpers import CHROMIUM_HINT, chromium_path, join, make_user
from tests.provider import client_for as simulator_client
from tests.provider import make_simulator
from tests.world import World, make_world


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER_TESTS", "") not in ("", "0")


# Hypothesis (tests/test_fuzz.py): CI tries the same examples every run, so its verdict is about
# the change; a developer's run tries new ones and keeps the failures it finds in .hypothesis/.
hypothesis_settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True
)
hypothesis_settings.register_profile("dev", deadline=None, print_blob=True)
hypothesis_settings.load_profile(
    "ci" if os.environ.get("CI", "") not in ("", "0", "false") else "dev"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/browser/ is a browser test; skip those loudly without Chromium."""
    skip = None if chromium_path() or browser_required() else pytest.mark.skip(reason=CHROMIUM_HINT)
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        if skip and "browser" in item.keywords:
            item.add_marker(skip)


_skipped_browser_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "browser" in report.keywords:
        _skipped_browser_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """CI sets REQUIRE_BROWSER_TESTS: there a skipped browser test fails the run."""
    if _skipped_browser_tests and browser_required() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _skipped_browser_tests:
        return
    terminalreporter.write_sep(
        "!", f"{len(_skipped_browser_tests)} BROWSER TESTS SKIPPED", red=True, bold=True
    )
    if not chromium_path():
        terminalreporter.write_line(CHROMIUM_HINT, red=True, bold=True)
    if browser_required():
        terminalreporter.write_line("REQUIRE_BROWSER_TESTS is set, so this run fails.", red=True)


@pytest.fixture(autouse=True, scope="session")
def _test_photos_read() -> None:
    """The real portrait the photo factories use, read before any test counts decodes."""
    from tests.media_factory import portrait_image

    portrait_image()


@pytest.fixture(autouse=True)
def _laptop_settings(settings, tmp_path: Path) -> None:
    """Each test gets its own media folder and a fast password hasher, and no rate limits:
    the tests that are about them set their own (tests/test_rate_limits.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "")
    settings.CARD_CACHE = "default"  # in memory, and emptied between tests
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rate-limit counters (ours and allauth's) live in the cache: each test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(db):
    return make_user("owner@example.com")


@pytest.fixture
def team(owner) -> Team:
    """A shared team: its owner, and the admin, member and viewer fixtures when asked for."""
    return Team.objects.create_with_owner("Acme Studio", owner)


@pytest.fixture
def admin(team):
    return join(team, Role.ADMIN)


@pytest.fixture
def member(team):
    return join(team, Role.MEMBER)


@pytest.fixture
def viewer(team):
    return join(team, Role.VIEWER)


@pytest.fixture
def outsider(db):
    return make_user("outsider@example.com")


@pytest.fixture
def simulator(tmp_path):
    """The Kling simulator in-process: fast statuses, clips rendered during the create call."""
    sim = make_simulator(tmp_path)
    yield sim
    sim.close()


@pytest.fixture
def sim_client(simulator):
    with simulator_client(simulator) as client:
        yield client


@pytest.fixture
def served_simulator(tmp_path) -> Iterator[SimulatorServer]:
    """The simulator on a real loopback socket, for timeouts and broken downloads."""
    sim = make_simulator(tmp_path)
    server = SimulatorServer(sim).start()
    sim.config.public_url = server.url
    yield server
    server.stop()


@pytest.fixture
def provider(simulator, settings, monkeypatch):
    """The studio's provider calls and downloads go to the in-process simulator."""
    import httpx

    from avatarstudio.kling import client
    from tests.provider import SIM_URL

    settings.COMETAPI_BASE_URL = SIM_URL
    settings.COMETAPI_KEY = "test-key"
    monkeypatch.setattr(client, "TRANSPORT", httpx.WSGITransport(app=simulator))
    return simulator


@pytest.fixture
def world(team, owner, provider) -> World:
    """The team, a user of each role, an outsider and one object of each kind (tests/world.py)."""
    return make_world(team, owner)
