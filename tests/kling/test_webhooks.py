from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import webhooks as library

from avatarstudio.kling.webhooks import InvalidSignature, sign, signature_headers, verify

SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="
BODY = (
    b'{"id":"1234567890","status":"succeeded","message":"",'
    b'"create_time":1781080778802,"update_time":1781080794151}'
)
HEADERS = {
    "webhook-id": "9876543210",
    "webhook-timestamp": "1781080794",
    "webhook-signature": "v1,UsKlJP00XoQyOn410NM9xv34sP+Gl0jnOO9Lcpr7NJ4=",
}


@pytest.fixture
def clock(monkeypatch):
    """Set the time the signature check compares the timestamp with."""

    def set_to(timestamp: float) -> None:
        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.fromtimestamp(timestamp, tz=tz or UTC)

        monkeypatch.setattr(library, "datetime", Frozen)

    return set_to


def test_klings_documented_vector_signs_and_verifies(clock):
    assert sign(SECRET, "9876543210", 1781080794, BODY) == HEADERS["webhook-signature"]
    clock(1781080794 + 10)
    verify(SECRET, HEADERS, BODY)


def test_one_matching_signature_among_several_is_enough_during_a_rotation(clock):
    clock(1781080794)
    headers = HEADERS | {
        "webhook-signature": "v1,c29tZXRoaW5nIGVsc2U= " + HEADERS["webhook-signature"]
    }
    verify(SECRET, headers, BODY)


def test_a_changed_body_is_refused(clock):
    clock(1781080794)
    with pytest.raises(InvalidSignature):
        verify(SECRET, HEADERS, BODY.replace(b"succeeded", b"failed"))


@pytest.mark.parametrize(
    "signature",
    ["v1", "v1,not base64!", "nonsense", "v2,UsKlJP00XoQyOn410NM9xv34sP+Gl0jnOO9Lcpr7NJ4="],
)
def test_a_malformed_signature_is_refused(clock, signature):
    clock(1781080794)
    with pytest.raises(InvalidSignature):
        verify(SECRET, HEADERS | {"webhook-signature": signature}, BODY)


def test_a_body_that_is_not_text_is_refused(clock):
    clock(1781080794)
    with pytest.raises(InvalidSignature):
        verify(SECRET, HEADERS, b"\xff\xfe")


def test_an_old_or_future_timestamp_is_refused(clock):
    clock(1781080794 + 301)
    with pytest.raises(InvalidSignature, match="too old"):
        verify(SECRET, HEADERS, BODY)
    clock(1781080794 - 301)
    with pytest.raises(InvalidSignature, match="too new"):
        verify(SECRET, HEADERS, BODY)


def test_missing_headers_are_refused():
    with pytest.raises(InvalidSignature, match="Missing"):
        verify(SECRET, {}, BODY)


def test_signature_headers_round_trip():
    headers = signature_headers(SECRET, "abc", b"{}")
    verify(SECRET, headers, b"{}")


def test_a_good_signature_counts_however_the_header_is_spaced_and_whatever_sits_before_it(clock):
    clock(1781080794)
    verify(
        SECRET, HEADERS | {"webhook-signature": "garbage  " + HEADERS["webhook-signature"]}, BODY
    )


def test_an_empty_secret_refuses_every_callback_instead_of_failing(clock):
    with pytest.raises(InvalidSignature, match="empty"):
        verify("whsec_", HEADERS, BODY)
