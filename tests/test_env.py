from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from avatarstudio.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_rates,
    env_required,
    env_str,
    parse_rates,
)


@pytest.mark.parametrize("raw", ["1", "true", "YES", " on "])
def test_env_bool_reads_true_words(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_reads_false_words(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", True) is False


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", True) is True


def test_env_bool_refuses_a_word_it_cannot_read_and_names_the_variable(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
        env_bool("FLAG")


def test_env_int_reads_numbers_and_defaults(monkeypatch):
    monkeypatch.setenv("COUNT", " 42 ")
    assert env_int("COUNT", 1) == 42
    monkeypatch.setenv("COUNT", "")
    assert env_int("COUNT", 7) == 7


def test_env_int_refuses_words(monkeypatch):
    monkeypatch.setenv("COUNT", "many")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be a whole number"):
        env_int("COUNT", 1)


def test_env_float_reads_decimals_and_refuses_words(monkeypatch):
    monkeypatch.setenv("PRICE", "0.45")
    assert env_float("PRICE", 1.0) == 0.45
    monkeypatch.setenv("PRICE", "cheap")
    with pytest.raises(ImproperlyConfigured, match="PRICE must be a number"):
        env_float("PRICE", 1.0)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS") == ["a.example", "b.example"]
    monkeypatch.delenv("HOSTS")
    assert env_list("HOSTS", ["localhost"]) == ["localhost"]


def test_env_str_strips_whitespace(monkeypatch):
    monkeypatch.setenv("NAME", "  Studio ")
    assert env_str("NAME") == "Studio"


def test_env_required_explains_how_to_fix_a_missing_value(monkeypatch):
    monkeypatch.delenv("SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"SECRET is not set\. Make one up\."):
        env_required("SECRET", "Make one up.")


def test_rates_read_as_amount_window_and_whose():
    assert parse_rates("30/h/user, 120/h/ip") == [(30, 3600, "user"), (120, 3600, "ip")]
    assert parse_rates("5/10m/ip,100/d/user") == [(5, 600, "ip"), (100, 86400, "user")]
    assert parse_rates("") == []


@pytest.mark.parametrize("raw", ["30/h", "30 per hour", "30/h/team", "30/0m/ip", "x/h/ip"])
def test_env_rates_refuses_rates_it_cannot_read_and_shows_how_to_write_them(monkeypatch, raw):
    monkeypatch.setenv("RATE_LIMIT_CREATE", raw)
    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_CREATE must be rates like 30/h"):
        env_rates("RATE_LIMIT_CREATE", "1/h/user")


def test_env_rates_may_be_set_empty_to_turn_a_limit_off(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CREATE", "")
    assert env_rates("RATE_LIMIT_CREATE", "1/h/user") == ""
