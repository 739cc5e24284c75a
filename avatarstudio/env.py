"""Typed helpers that read configuration from the environment.

Every setting in ``settings.py`` comes through one of these, so a value that cannot be
understood stops the start with a message naming the variable, instead of becoming a
surprising default.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required(name: str, hint: str) -> str:
    """A value production cannot run without; ``hint`` tells the operator how to set it."""
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} is not set. {hint}")
    return value


RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_SUBJECTS = ("user", "ip")


def parse_rates(text: str) -> list[tuple[int, int, str]]:
    """``"30/h/user,120/h/ip"`` -> ``[(30, 3600, "user"), (120, 3600, "ip")]``.

    Each rate is amount/window/whose, the window a unit (s, m, h, d) with an optional number
    before it (``10m``); whose is ``user`` or ``ip``. Empty text means no limit.
    """
    rates = []
    for part in filter(None, (part.strip() for part in text.split(","))):
        pieces = [piece.strip() for piece in part.split("/")]
        if len(pieces) != 3:
            raise ValueError(part)
        amount, window, subject = pieces
        count, unit = window[:-1] or "1", window[-1:]
        understood = amount.isdigit() and count.isdigit() and unit in RATE_UNITS
        if not understood or int(count) == 0 or subject not in RATE_SUBJECTS:
            raise ValueError(part)
        rates.append((int(amount), int(count) * RATE_UNITS[unit], subject))
    return rates


def env_rates(name: str, default: str) -> str:
    """Rate limits as ``parse_rates`` reads them, checked now so a typo stops the start."""
    value = env_str(name, default)
    try:
        parse_rates(value)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must be rates like 30/h/user,120/h/ip (amount/window/user or ip, the "
            f"window in s, m, h or d, such as 10m), not {error.args[0]!r}."
        ) from None
    return value
