"""A secret in a URL (a share link, an invitation, a callback, a signed input) has one shape."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/s/{}/"),
        ("get", "/s/{}/video.mp4"),
        ("get", "/s/{}/poster.jpg"),
        ("get", "/invite/{}/"),
        ("get", "/inputs/{}/"),
        ("post", "/hooks/kling/{}/"),
    ],
)
@pytest.mark.parametrize("token", ["a%00b", "%C3%A9t%C3%A9", "a%20b"])
def test_a_token_of_another_shape_is_not_found_without_asking_the_database(
    db, django_assert_num_queries, method, path, token
):
    with django_assert_num_queries(0):
        response = getattr(Client(), method)(path.format(token))
    assert response.status_code == 404
