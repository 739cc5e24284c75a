"""Rate limits on the expensive actions, per signed-in user and per client address.

Each action (``create``, ``voice_preview``, ...) has its rates in ``settings.RATE_LIMITS``,
written ``30/h/user,120/h/ip``. A rate's window is fixed: one cache counter per action, rate,
user or address and window, started with ``cache.add`` and counted with ``cache.incr`` (both
atomic in Redis and in the local-memory cache), gone when its window ends. A request over a
rate is refused with a 429 that says how many times, and when to try again.

Fixed windows let a burst across a window's end reach twice a rate for a moment; that buys
two cache calls a request. These limits are against abuse; what a team may spend is the
quotas' business, in the database.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django_htmx.http import trigger_client_event

from avatarstudio.env import parse_rates

logger = logging.getLogger(__name__)

clock = time.time  # a name of its own, so that tests move time on instead of waiting
IPV6_NETWORK_BITS = 64  # one household, office or server gets a /64, and can pick any in it
LIMITED_METHODS = frozenset({"POST"})


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    subject: str  # "user" or "ip"


@dataclass(frozen=True)
class Refusal:
    rate: Rate
    retry_after: int  # seconds until the rate's window ends

    def sentence(self) -> str:
        times = _times_text(self.rate.amount)
        window = _window_text(self.rate.seconds)
        wait = _wait_text(self.retry_after)
        if self.rate.subject == "user":
            return (
                f"You have done this {times} in the last {window}, the most we allow. "
                f"Please try again {wait}."
            )
        return (
            f"This has been done {times} in the last {window} from your network, the most "
            f"we allow. Please try again {wait}."
        )


def rates_for(action: str) -> list[Rate]:
    return [Rate(*rate) for rate in parse_rates(settings.RATE_LIMITS[action])]


def client_ip(request: HttpRequest) -> str:
    """Where the request comes from, as the rate limits count it.

    ``REMOTE_ADDR``, unless ``TRUSTED_PROXY_COUNT`` proxies of ours stand in front: each
    appends the address it saw to ``X-Forwarded-For``, so the one our outermost proxy
    appended is the client's; anything left of it is what the client chose to send. An IPv6
    address counts as its /64.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if hops and len(forwarded) >= hops:  # fewer: the request came round our proxies
        address = forwarded[-hops]
    return _network_of(address)


def _network_of(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        network = ipaddress.IPv6Network(f"{ip}/{IPV6_NETWORK_BITS}", strict=False)
        return str(network)
    return str(ip)


def check(request: HttpRequest, action: str) -> Refusal | None:
    """Count this request against each of ``action``'s rates; a Refusal if one is used up.

    A refused request takes back what it counted against the action's other rates, so one
    person's refused tries do not use up their network's allowance. If the cache cannot be
    reached the request goes ahead: an outage of the counters should not stop the studio.
    """
    now = clock()
    subjects = [(rate, _subject_of(request, rate)) for rate in rates_for(action)]
    counted: list[str] = []
    try:
        for rate, who in subjects:
            if who is None:
                continue
            key, retry_after = _counter(action, rate, who, now)
            if _count(key, rate.seconds) > rate.amount:
                for earlier in counted:
                    cache.decr(earlier)
                return Refusal(rate, retry_after)
            counted.append(key)
    except Exception:
        logger.warning("rate limit for %s not checked: the cache failed", action, exc_info=True)
    return None


def _subject_of(request: HttpRequest, rate: Rate) -> str | None:
    if rate.subject == "ip":
        return client_ip(request)
    user = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else None


def _counter(action: str, rate: Rate, who: str, now: float) -> tuple[str, int]:
    """The counter's cache key for the window ``now`` falls in, and the seconds it has left."""
    window = int(now // rate.seconds)
    key = f"ratelimit:{action}:{rate.amount}/{rate.seconds}/{rate.subject}:{who}:{window}"
    return key, max(1, math.ceil((window + 1) * rate.seconds - now))


def _count(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the counter expired between the two calls: a new window began
        cache.add(key, 1, timeout=seconds)
        return 1


def too_many_requests(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The 429 answer: a toast for an htmx request, a page for any other."""
    sentence = refusal.sentence()
    if request.htmx:
        response = HttpResponse(sentence, status=429, content_type="text/plain; charset=utf-8")
        trigger_client_event(response, "show-toast", {"text": sentence, "kind": "error"})
    else:
        response = TemplateResponse(request, "429.html", {"sentence": sentence}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def rate_limited(
    action: str, *, when: Callable[[HttpRequest], bool] | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Count a view's POSTs (only those ``when`` accepts, if given) against ``action``'s rates.

    Put it below the access decorators, so that only requests allowed in are counted.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in LIMITED_METHODS and (when is None or when(request)):
                refusal = check(request, action)
                if refusal is not None:
                    return too_many_requests(request, refusal)
            return view(request, *args, **kwargs)

        return limited

    return decorator


def allauth_refused(request: HttpRequest) -> HttpResponse:
    """allauth's own limits (sign-in attempts, password resets) answer with our page too."""
    sentence = "You have tried this many times in a short while. Please wait a few minutes."
    return render(request, "429.html", {"sentence": sentence}, status=429)


def _times_text(amount: int) -> str:
    return {1: "once", 2: "twice"}.get(amount, f"{amount} times")


def _window_text(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return "in less than a minute"
    minutes = math.ceil(seconds / 60)
    if minutes == 1:
        return "in about a minute"
    if minutes < 60:
        return f"in about {minutes} minutes"
    hours = round(seconds / 3600)
    return "in about an hour" if hours == 1 else f"in about {hours} hours"
