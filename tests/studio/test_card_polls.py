"""A status card's poll: an unchanged card answers 204 without a query, and the access rules
are exactly those of a rendered card (``avatarstudio.studio.cards``)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.core import signing

from avatarstudio.accounts.models import Membership, Role
from avatarstudio.studio import metrics
from avatarstudio.studio.models import Status
from tests.helpers import client_in, join
from tests.studio.helpers import start_generation

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Writes inside it run their on-commit work, as they do outside a test's transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def generation(team, owner, provider, commit):
    with commit():
        return start_generation(team, owner)


@pytest.fixture
def viewer(team, commit):
    with commit():
        return join(team, Role.VIEWER)


def poll_address(response) -> str:
    """Where the card in ``response`` polls next."""
    found = re.search(r'<article class="status-card[^>]*\shx-get="([^"]+)"', response.text)
    assert found, "the card does not poll"
    return unescape(found.group(1))


def token_of(address: str) -> str:
    return parse_qs(urlsplit(address).query)["seen"][0]


def watch(team, user, generation):
    """A signed-in viewer of the card, and the address its first poll goes to."""
    client = client_in(team, user)
    response = client.get(generation.get_absolute_url(), headers=HTMX)
    assert response.status_code == 200
    return client, poll_address(response)


def test_an_unchanged_card_answers_204_without_a_query(
    team, owner, generation, django_assert_num_queries
):
    client, address = watch(team, owner, generation)
    with django_assert_num_queries(0):
        response = client.get(address, headers=HTMX)
    assert response.status_code == 204
    assert response.content == b""
    assert response["Cache-Control"] == "private, no-store"


def test_a_card_that_changed_is_rendered_again_with_a_new_address(team, owner, generation, commit):
    client, address = watch(team, owner, generation)
    with commit():
        generation.refresh_from_db()
        generation.status = Status.PROCESSING
        generation.save()
    response = client.get(address, headers=HTMX)
    assert response.status_code == 200
    assert 'data-status="processing"' in response.text
    again = poll_address(response)
    assert again != address
    assert client.get(again, headers=HTMX).status_code == 204


def test_a_provider_poll_that_changes_nothing_shown_keeps_the_card_unchanged(
    team, owner, generation, commit
):
    with commit():
        generation.refresh_from_db()
        generation.status, generation.polls = Status.PROCESSING, 1
        generation.save()
    client, address = watch(team, owner, generation)
    with commit():
        generation.refresh_from_db()
        generation.polls += 1  # one more question to Kling, the same answer
        generation.save()
    assert client.get(address, headers=HTMX).status_code == 204


def test_a_removed_members_next_poll_is_refused(team, viewer, generation, commit):
    client, address = watch(team, viewer, generation)
    assert client.get(address, headers=HTMX).status_code == 204
    with commit():
        Membership.objects.filter(team=team, user=viewer).delete()
    response = client.get(address, headers=HTMX)
    assert response.status_code in (302, 403, 404)
    assert "status-card" not in response.text


def test_a_role_change_renders_the_card_again(team, viewer, generation, commit):
    client, address = watch(team, viewer, generation)
    with commit():
        membership = Membership.objects.get(team=team, user=viewer)
        membership.role = Role.MEMBER
        membership.save()
    assert client.get(address, headers=HTMX).status_code == 200


def test_a_deleted_generations_poll_is_not_found(team, owner, generation, commit):
    client, address = watch(team, owner, generation)
    with commit():
        generation.delete()
    assert client.get(address, headers=HTMX).status_code == 404


def test_a_changed_password_ends_the_cheap_answers(team, viewer, generation, commit):
    client, address = watch(team, viewer, generation)
    with commit():
        viewer.set_password("a-new-password-1")
        viewer.save()
    response = client.get(address, headers=HTMX)
    assert response.status_code == 302  # the old session no longer signs anyone in
    assert "/accounts/login/" in response["Location"]


def test_a_turned_off_account_ends_the_cheap_answers(team, viewer, generation, commit):
    client, address = watch(team, viewer, generation)
    with commit():
        viewer.is_active = False
        viewer.save()
    assert client.get(address, headers=HTMX).status_code == 302


def test_an_address_copied_to_another_session_is_not_answered_cheaply(
    team, owner, generation, client
):
    _, address = watch(team, owner, generation)
    response = client.get(address, headers=HTMX)  # signed out: no session of its own
    assert response.status_code == 302
    other, _ = watch(team, owner, generation)  # the same person, signed in elsewhere
    assert other.get(address, headers=HTMX).status_code == 200


def test_a_token_for_one_card_does_not_answer_for_another(team, owner, generation, commit):
    with commit():
        other = start_generation(team, owner)
    client, address = watch(team, owner, generation)
    response = client.get(
        f"{other.get_absolute_url()}?seen={quote(token_of(address))}", headers=HTMX
    )
    assert response.status_code == 200
    assert f'id="generation-{other.pk}"' in response.text


def test_a_forged_or_expired_token_renders_the_card(team, owner, generation, settings):
    client, address = watch(team, owner, generation)
    forged = address[:-3] + ("aaa" if not address.endswith("aaa") else "bbb")
    assert client.get(forged, headers=HTMX).status_code == 200
    token = token_of(address)
    payload = signing.TimestampSigner(salt="avatarstudio.studio.cards.poll").unsign(token)
    parts = payload.split(":")
    parts[4] = "0" * len(parts[4])  # a digest the server never handed out, unsigned
    tampered = f"{generation.get_absolute_url()}?seen={quote(':'.join(parts))}"
    assert client.get(tampered, headers=HTMX).status_code == 200
    settings.CARD_POLL_TOKEN_SECONDS = -1  # every token is too old
    assert client.get(address, headers=HTMX).status_code == 200


def test_an_emptied_cache_costs_one_render_and_then_polls_are_cheap_again(team, owner, generation):
    from django.core.cache import caches

    client, address = watch(team, owner, generation)
    caches["default"].clear()  # the tests' card cache: Redis restarted, say
    response = client.get(address, headers=HTMX)
    assert response.status_code == 200
    assert client.get(poll_address(response), headers=HTMX).status_code == 204


def test_polls_are_counted_by_answer(team, owner, generation):
    before = metrics.polls_served()
    client, address = watch(team, owner, generation)
    client.get(address, headers=HTMX)
    client.get(address, headers=HTMX)
    after = metrics.polls_served()
    assert after["rendered"] - before["rendered"] == 1
    assert after["unchanged"] - before["unchanged"] == 2


def test_the_running_time_counts_up_in_the_page_between_answers(team, owner, generation):
    client = client_in(team, owner)
    page = client.get(generation.get_absolute_url()).text
    assert re.search(r'<span data-elapsed="\d+(\.\d)?">[^<]+</span> so far', page)
