"""Every answer the provider can give becomes one typed error with a readable message."""

from __future__ import annotations

import json

import httpx
import pytest

from avatarstudio.kling import errors
from avatarstudio.kling.errors import FixableBy, error_from_response


def answer(
    status: int, body: object = None, *, text: str | None = None, headers: dict | None = None
):
    request = httpx.Request("GET", "https://api.cometapi.com/kling/v1/videos/avatar/image2video/x")
    if text is not None:
        return httpx.Response(status, text=text, headers=headers or {}, request=request)
    return httpx.Response(status, json=body, headers=headers or {}, request=request)


def kling_body(code: int, message: str = "something") -> dict:
    return {"code": code, "message": message, "request_id": "req-1", "data": None}


@pytest.mark.parametrize(
    ("status", "code", "kind", "retryable", "fixable_by"),
    [
        (401, 1000, errors.AuthenticationFailed, False, FixableBy.ADMIN),
        (401, 1001, errors.AuthenticationFailed, False, FixableBy.ADMIN),
        (401, 1002, errors.AuthenticationFailed, False, FixableBy.ADMIN),
        (401, 1003, errors.AuthenticationFailed, False, FixableBy.ADMIN),
        (401, 1004, errors.AuthenticationFailed, False, FixableBy.ADMIN),
        (429, 1100, errors.AccountBlocked, False, FixableBy.ADMIN),
        (429, 1101, errors.AccountBlocked, False, FixableBy.ADMIN),
        (429, 1102, errors.AccountBlocked, False, FixableBy.ADMIN),
        (403, 1103, errors.PermissionDenied, False, FixableBy.ADMIN),
        (400, 1200, errors.InvalidRequest, False, FixableBy.USER),
        (400, 1201, errors.InvalidRequest, False, FixableBy.USER),
        (404, 1202, errors.NotFound, False, FixableBy.NOBODY),
        (404, 1203, errors.NotFound, False, FixableBy.NOBODY),
        (400, 1300, errors.ContentRefused, False, FixableBy.USER),
        (400, 1301, errors.ContentRefused, False, FixableBy.USER),
        (429, 1302, errors.RateLimited, True, FixableBy.NOBODY),
        (429, 1303, errors.ConcurrencyLimited, True, FixableBy.NOBODY),
        (429, 1304, errors.IpNotAllowed, False, FixableBy.ADMIN),
        (500, 5000, errors.ServerError, True, FixableBy.NOBODY),
        (503, 5001, errors.ServerError, True, FixableBy.NOBODY),
        (504, 5002, errors.ServerError, True, FixableBy.NOBODY),
    ],
)
def test_each_kling_code_maps_to_its_family(status, code, kind, retryable, fixable_by):
    error = error_from_response(answer(status, kling_body(code)))
    assert type(error) is kind
    assert error.code == code
    assert error.http_status == status
    assert error.retryable is retryable
    assert error.fixable_by is fixable_by
    assert error.request_id == "req-1"
    assert error.message and "Traceback" not in error.message


def test_a_success_envelope_is_no_error():
    assert error_from_response(answer(200, {"code": 0, "message": "SUCCEED", "data": {}})) is None


def test_an_unknown_code_falls_back_on_its_family():
    assert type(error_from_response(answer(400, kling_body(1299)))) is errors.InvalidRequest
    assert type(error_from_response(answer(500, kling_body(5099)))) is errors.ServerError


def test_a_business_error_inside_http_200_is_still_an_error():
    assert type(error_from_response(answer(200, kling_body(1302)))) is errors.RateLimited


def test_invalid_parameters_name_the_field_and_keep_the_providers_words():
    error = error_from_response(answer(400, kling_body(1201, "prompt is too long")))
    assert error.field == "prompt"
    assert error.message == "Kling did not accept the prompt: prompt is too long"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, errors.InvalidRequest),
        (401, errors.AuthenticationFailed),
        (403, errors.PermissionDenied),
        (429, errors.RateLimited),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (504, errors.ServerError),
        (524, errors.ServerError),
    ],
)
def test_cometapis_own_envelope_maps_by_http_status(status, kind):
    body = {
        "error": {
            "message": "upstream failed (request id: 2025abc)",
            "type": "comet_api_error",
            "param": "",
            "code": "invalid_request",
        }
    }
    error = error_from_response(answer(status, body))
    assert type(error) is kind
    assert error.request_id == "2025abc"
    assert "request id" not in error.detail


def test_a_kling_error_nested_in_cometapis_envelope_wins():
    body = {
        "error": {
            "message": "bad (request id: r9)",
            "type": "comet_api_error",
            "data": {"data": {"code": 1301, "message": "content security"}},
        }
    }
    error = error_from_response(answer(400, body))
    assert type(error) is errors.ContentRefused
    assert error.code == 1301
    assert error.request_id == "r9"


def test_a_kling_error_nested_as_json_text_in_the_message_is_found():
    nested = json.dumps(
        {"message": "x", "data": {"data": {"code": 1201, "message": "mode is invalid"}}}
    )
    error = error_from_response(
        answer(400, {"error": {"message": nested, "type": "comet_api_error"}})
    )
    assert type(error) is errors.InvalidRequest
    assert error.field == "mode"


def test_a_bare_nested_kling_error_without_the_error_key_is_found():
    body = {"message": "failed", "data": {"data": {"code": 1102, "message": "arrears"}}}
    assert type(error_from_response(answer(429, body))) is errors.AccountBlocked


def test_an_html_page_means_the_address_is_wrong():
    error = error_from_response(
        answer(200, text="<html>hi</html>", headers={"content-type": "text/html"})
    )
    assert type(error) is errors.MisconfiguredEndpoint
    assert error.fixable_by is FixableBy.ADMIN
    assert "COMETAPI_BASE_URL" in error.message


def test_a_redirect_means_the_address_is_wrong():
    error = error_from_response(answer(301, text="", headers={"location": "/elsewhere"}))
    assert type(error) is errors.MisconfiguredEndpoint
    assert not error.retryable


def test_garbage_with_200_is_unreadable_but_worth_retrying():
    error = error_from_response(answer(200, text="\x00garbage{"))
    assert type(error) is errors.UnexpectedResponse
    assert error.retryable


def test_a_non_json_server_error_is_a_server_error():
    error = error_from_response(answer(502, text="Bad gateway"))
    assert type(error) is errors.ServerError
    assert error.http_status == 502


def test_redaction_hides_keys_and_base64_payloads():
    payload = "QUJD" * 40
    text = errors.redact(f"key sk-secret-123 rejected; image={payload}", secrets=["sk-secret-123"])
    assert "sk-secret-123" not in text
    assert payload not in text
    assert "[redacted]" in text


def test_a_provider_message_that_echoes_the_key_is_redacted():
    body = kling_body(1002, "Authorization sk-live-999 is invalid")
    error = error_from_response(answer(401, body), secrets=["sk-live-999"])
    assert "sk-live-999" not in str(error)
    assert "sk-live-999" not in error.detail
