from __future__ import annotations

import pytest

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


def test_klings_documented_vector_signs_and_verifies():
    assert sign(SECRET, "9876543210", 1781080794, BODY) == HEADERS["webhook-signature"]
    verify(SECRET, HEADERS, BODY, now=1781080794 + 10)


def test_one_matching_signature_among_several_is_enough_during_a_rotation():
    headers = HEADERS | {
        "webhook-signature": "v1,c29tZXRoaW5nIGVsc2U= " + HEADERS["webhook-signature"]
    }
    verify(SECRET, headers, BODY, now=1781080794)


def test_a_changed_body_is_refused():
    with pytest.raises(InvalidSignature):
        verify(SECRET, HEADERS, BODY.replace(b"succeeded", b"failed"), now=1781080794)


def test_an_old_or_future_timestamp_is_refused():
    with pytest.raises(InvalidSignature, match="tolerance"):
        verify(SECRET, HEADERS, BODY, now=1781080794 + 301)
    with pytest.raises(InvalidSignature, match="tolerance"):
        verify(SECRET, HEADERS, BODY, now=1781080794 - 301)


def test_missing_headers_are_refused():
    with pytest.raises(InvalidSignature, match="missing"):
        verify(SECRET, {}, BODY)


def test_signature_headers_round_trip():
    headers = signature_headers(SECRET, "abc", b"{}", now=1_000)
    verify(SECRET, headers, b"{}", now=1_000)
