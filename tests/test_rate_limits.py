"""The expensive actions are rate limited per user and per client address: past a limit a
request gets a 429 that says how often and when to try again, and the counters start again
when their window ends. Other tests run without limits (see ``_laptop_settings``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client, RequestFactory

from avatarstudio.accounts.models import Role
from avatarstudio.core import ratelimit
from tests.helpers import client_in, join

pytestmark = pytest.mark.django_db

HOUR = 3600
START_OF_AN_HOUR = 1_800_000_000 - 1_800_000_000 % HOUR


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def move_on(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    """The rate limits' clock, ten minutes into an hour; tests move it on, never sleep."""
    clock = Clock(START_OF_AN_HOUR + 600)
    monkeypatch.setattr(ratelimit, "clock", clock)
    return clock


def limit(settings, **rates: str) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}


@dataclass(frozen=True)
class Limited:
    action: str
    path: str
    data: dict
    role: Role | None  # None: an anonymous visitor


LIMITED = [
    Limited("create", "/create/", {"prompt": "Hello"}, Role.MEMBER),
    Limited("photo_url", "/create/", {"photo_url": "https://example.com/me.jpg"}, Role.MEMBER),
    Limited("voice_preview", "/voices/preview/", {"script": ""}, Role.MEMBER),
    Limited("key_test", "/team/settings/key/test/", {}, Role.ADMIN),
    Limited(
        "invite", "/team/invitations/", {"email": "new@example.com", "role": "member"}, Role.ADMIN
    ),
    Limited("signup", "/accounts/signup/", {"email": "a@example.com", "password1": "1"}, None),
]


def client_for_case(case: Limited, team) -> Client:
    return Client() if case.role is None else client_in(team, join(team, case.role))


@pytest.mark.parametrize("case", LIMITED, ids=lambda case: case.action)
def test_past_its_limit_an_action_is_refused_with_how_often_and_when_to_try_again(
    case, team, settings, request
):
    if case.action == "key_test":
        request.getfixturevalue("provider")  # the key check asks the (simulated) provider
    subject = "ip" if case.role is None else "user"
    limit(settings, **{case.action: f"3/h/{subject}"})
    client = client_for_case(case, team)
    for _ in range(3):
        assert client.post(case.path, case.data).status_code != 429

    refused = client.post(case.path, case.data)

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(50 * 60)
    page = refused.content.decode()
    assert "Please wait a little" in page
    done_by = "You have done this" if subject == "user" else "This has been done"
    assert f"{done_by} 3 times in the last hour" in page
    assert "Please try again in about 50 minutes." in page


def test_an_htmx_request_past_the_limit_gets_a_toast_that_says_when_to_try_again(
    team, member, settings
):
    limit(settings, create="1/h/user")
    client = client_in(team, member)
    client.post("/create/", {}, headers={"HX-Request": "true"})

    refused = client.post("/create/", {}, headers={"HX-Request": "true"})

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(50 * 60)
    toast = json.loads(refused["HX-Trigger"])["show-toast"]
    assert toast["kind"] == "error"
    assert toast["text"] == (
        "You have done this once in the last hour, the most we allow. "
        "Please try again in about 50 minutes."
    )


def test_one_members_limit_leaves_another_member_free(team, member, admin, settings):
    limit(settings, create="1/h/user,100/h/ip")
    busy = client_in(team, member)
    busy.post("/create/", {})
    assert busy.post("/create/", {}).status_code == 429

    assert client_in(team, admin).post("/create/", {}).status_code == 200


def test_the_address_limit_catches_many_users_from_one_address(
    team, owner, member, admin, settings
):
    limit(settings, create="10/h/user,2/h/ip")
    assert client_in(team, member).post("/create/", {}).status_code == 200
    assert client_in(team, admin).post("/create/", {}).status_code == 200

    refused = client_in(team, owner).post("/create/", {})

    assert refused.status_code == 429
    assert "This has been done twice in the last hour from your network" in (
        refused.content.decode()
    )
    elsewhere = client_in(team, owner)
    assert elsewhere.post("/create/", {}, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_refused_try_does_not_use_up_the_networks_allowance(team, member, admin, settings):
    limit(settings, create="1/h/user,2/h/ip")
    eager = client_in(team, member)
    eager.post("/create/", {})
    for _ in range(3):
        assert eager.post("/create/", {}).status_code == 429

    assert client_in(team, admin).post("/create/", {}).status_code == 200


def test_the_counters_start_again_when_their_window_ends(team, member, settings, clock):
    limit(settings, create="1/h/user")
    client = client_in(team, member)
    client.post("/create/", {})
    assert client.post("/create/", {}).status_code == 429

    clock.move_on(50 * 60 - 1)
    assert client.post("/create/", {}).status_code == 429
    clock.move_on(1)
    assert client.post("/create/", {}).status_code == 200


def test_a_photo_given_by_address_is_counted_apart_from_an_upload(team, member, settings):
    limit(settings, photo_url="1/h/user", create="10/h/user")
    client = client_in(team, member)
    with_url = {"photo_url": "https://example.com/me.jpg"}
    client.post("/create/", with_url)

    assert client.post("/create/", with_url).status_code == 429
    assert client.post("/create/", {"prompt": "an upload"}).status_code == 200


def test_a_page_visit_is_not_counted(team, member, settings):
    limit(settings, create="1/h/user")
    client = client_in(team, member)
    for _ in range(3):
        assert client.get("/create/").status_code == 200
    assert client.post("/create/", {}).status_code == 200


def test_when_the_cache_is_down_the_studio_keeps_working(team, member, settings, monkeypatch):
    class Unreachable:
        def add(self, *args, **kwargs):
            raise ConnectionError("the cache is down")

    limit(settings, create="1/h/user")
    monkeypatch.setattr(ratelimit, "cache", Unreachable())
    client = client_in(team, member)
    assert [client.post("/create/", {}).status_code for _ in range(3)] == [200, 200, 200]


def test_allauths_own_limits_answer_with_the_same_page(client, settings, owner):
    settings.ACCOUNT_RATE_LIMITS = {"signup": None, "login": "1/m/ip"}
    client.post("/accounts/login/", {"login": owner.email, "password": "wrong"})

    refused = client.post("/accounts/login/", {"login": owner.email, "password": "wrong"})

    assert refused.status_code == 429
    assert "Please wait a little" in refused.content.decode()


# Whose address a request is.


def request_from(remote_addr: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, headers=headers)


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request_from("203.0.113.5", "6.6.6.6")) == "203.0.113.5"


def test_behind_one_proxy_the_address_it_saw_counts_and_what_the_client_sent_does_not(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request_from("10.0.0.2", "203.0.113.5")) == "203.0.113.5"
    spoofed = request_from("10.0.0.2", "6.6.6.6, 203.0.113.5")
    assert ratelimit.client_ip(spoofed) == "203.0.113.5"
    assert ratelimit.client_ip(request_from("10.0.0.2")) == "10.0.0.2"


def test_behind_two_proxies_the_outer_ones_view_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("10.0.0.3", "6.6.6.6, 203.0.113.5, 10.0.0.2")
    assert ratelimit.client_ip(request) == "203.0.113.5"


def test_a_request_that_came_round_the_proxies_counts_where_it_came_from(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    around = request_from("198.51.100.7", "6.6.6.6")  # one entry: the client's own
    assert ratelimit.client_ip(around) == "198.51.100.7"


def test_an_ipv6_address_counts_as_its_network():
    first = ratelimit.client_ip(request_from("2001:db8:1:2::1"))
    other = ratelimit.client_ip(request_from("2001:db8:1:2:ffff::9"))
    assert first == other == "2001:db8:1:2::/64"
    assert ratelimit.client_ip(request_from("::ffff:203.0.113.5")) == "203.0.113.5"
