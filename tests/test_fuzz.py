"""No request, however malformed, makes any URL of the project answer with a server error.

Every URL pattern is read from the resolver (tests/world.py), so a new URL is fuzzed without
editing this file. Hypothesis builds each request: a path whose parameters are the world's
real objects (a clip, a generation, a voice, a share link, an invitation, a membership...) or
anything the converter lets through; a query string and a form body keyed by the fields of the
forms the view names and the parameters the code reads from ``request.GET`` and
``request.POST``, with values that are plausible for the field or hostile (NUL bytes, huge
digit strings, unicode, very long text, broken percent escapes, garbage and truncated files);
and hostile headers (Range, conditional and htmx headers, cookies, content types, webhook
signatures). Each request is sent by one kind of visitor (anonymous, an outsider, a viewer,
member, admin or owner of the world's team), as htmx or not, and must answer below 500. A view
that raises fails the test with its traceback (the test client re-raises), and Hypothesis
shrinks the request to a small one that still fails.

Each request runs in a transaction that is rolled back, with the visitor's cookies and the
media folder put back afterwards, so a POST that deletes the team does not change what the
next request finds. Nothing leaves the machine: the provider is the in-process simulator and
a photo URL resolves to a documentation address that the URL guard refuses.

Each URL pattern is its own test, so every one is fuzzed on every run: FUZZ_EXAMPLES requests
each (10; a fifth of that for Django's admin), about 680 in all. Under CI the examples are
derandomized (tests/conftest.py loads the "ci" profile): the same requests every run (only
the world's fresh ids differ), so a red build is a regression in the change, not bad luck.
Elsewhere each run tries new requests and keeps failures in .hypothesis/ to replay them
first; raise FUZZ_EXAMPLES (say to 300) to search longer.
"""

from __future__ import annotations

import base64
import copy
import functools
import inspect
import itertools
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls.converters import get_converters
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import avatarstudio
from avatarstudio.accounts.models import Membership
from avatarstudio.media import fetch
from avatarstudio.studio.pipeline import inputs
from tests.media_factory import photo_bytes, recording_bytes, voice_bytes
from tests.world import VISITORS, Route, World, client_of, routes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# The world fixture is shared by a test's examples on purpose: each request is undone.
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

WEBHOOK_SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="
HEALTHZ_TOKEN = "fuzz-health-token"
ADMIN_NAMESPACE = "admin"
PROBES = 12  # requests that may be spent finding which real objects a route's view finds

METHODS = ("GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
# The owner reaches furthest into the views, so failures shrink towards the owner.
VISITORS_DEEPEST_FIRST = tuple(reversed(VISITORS))


def allowed_methods(route: Route) -> set[str] | None:
    """The methods the route's view answers (require_http_methods or a class's handlers)."""
    view_class = getattr(route.view, "view_class", None)
    if view_class is not None:
        return {name.upper() for name in view_class.http_method_names if hasattr(view_class, name)}
    layer = route.view
    while layer is not None:
        free = getattr(getattr(layer, "__code__", None), "co_freevars", ())
        if "request_method_list" in free:
            return set(layer.__closure__[free.index("request_method_list")].cell_contents)
        layer = getattr(layer, "__wrapped__", None)
    return None  # any method


def methods_for(route: Route) -> tuple[str, ...]:
    """Mostly the methods the view answers, now and then one it refuses."""
    allowed = allowed_methods(route)
    answered = tuple(method for method in METHODS if allowed is None or method in allowed)
    return answered * 9 + tuple(dict.fromkeys(METHODS))


ROUTES = list(routes())
OUR_ROUTES = [route for route in ROUTES if route.namespace != ADMIN_NAMESPACE]
ADMIN_ROUTES = [route for route in ROUTES if route.namespace == ADMIN_NAMESPACE]


# What the views read: the fields of every form, and the parameters read straight off the
# request (``request.GET.get("month")``, ``"remove" in request.POST``...), found in the source.

READS = re.compile(
    r"""request\.(?:GET|POST)(?:\.get\(|\.getlist\(|\[)\s*["'](\w+)["']"""
    r"""|["'](\w+)["']\s+in\s+request\.(?:GET|POST)"""
)
FORM_MODULES = ("avatarstudio.", "allauth.account.")


def names_read(source: str) -> set[str]:
    return {name for match in READS.finditer(source) for name in match.groups() if name}


@functools.cache
def names_read_from_requests() -> tuple[str, ...]:
    package = Path(avatarstudio.__file__).parent
    return tuple(sorted(set().union(*(names_read(p.read_text()) for p in package.rglob("*.py")))))


def names_read_by(view: Callable) -> set[str]:
    """The parameters read off the request in the view's module (its helpers read some)."""
    module = inspect.getmodule(inspect.unwrap(view))
    if module is None or not module.__name__.startswith("avatarstudio."):
        return set()
    return names_read(inspect.getsource(module))


def _subclasses(cls: type) -> set[type]:
    return {sub for child in cls.__subclasses__() for sub in (child, *_subclasses(child))}


@functools.cache
def form_field_names() -> tuple[str, ...]:
    classes = _subclasses(forms.BaseForm)
    names = {
        name
        for cls in classes
        if cls.__module__.startswith(FORM_MODULES)
        for name in getattr(cls, "base_fields", {})
    }
    return tuple(sorted(names))


def forms_named_by(view: Callable) -> list[type[forms.BaseForm]]:
    """The form classes a view uses: a class-based view's form_class, or those it names."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        form_class = getattr(view_class, "form_class", None)
        return [form_class] if form_class else []
    function = inspect.unwrap(view)
    named = (function.__globals__.get(name) for name in function.__code__.co_names)
    return [
        thing for thing in named if isinstance(thing, type) and issubclass(thing, forms.BaseForm)
    ]


def fields_of(form_class: type[forms.BaseForm], world: World) -> dict[str, forms.Field]:
    """The form's fields as it builds them (choices filled in __init__), for the world's team."""
    offered = {
        "team": world.team,
        "by": world.membership("owner"),
        "creators": [(user.pk, user.email) for user in world.users.values()],
    }
    parameters = inspect.signature(form_class.__init__).parameters
    kwargs = {
        name: value
        for name, value in offered.items()
        if name in parameters and parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
    }
    try:
        return dict(form_class(**kwargs).fields)
    except Exception:  # a form that needs more than we know: its declared fields do
        return dict(form_class.base_fields)


# Values.

NASTY = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "%",
    "%00",
    "%zz",
    "%ff",
    "🎬",
    "\u202e",
    "\ufeff",
    "null",
    "None",
    "true",
    "false",
    "on",
    "0",
    "-0",
    "-1",
    "1e309",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    "١٢٣",
    "²",
    "last",
    "[]",
    "{}",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "0001-01",
    "0000-00",
    "9999-12",
    "10000-01",
    "2024-13",
    "2024-02-30",
    "-2024-01",
    "2024--01",
    "2024-1-1",
    "0001-01-01",
    "9999-12-31",
    "2024-01-01T25:61:00",
)
URLS = (
    "https://example.com/portrait.jpg",
    "http://127.0.0.1/a.jpg",
    "http://[::1]/a.jpg",
    "http://[",
    "http://localhost:0/",
    "http://example.com:99999/",
    "http://999.999.999.999/",
    "http://0x7f.1/",
    "http://user:pass@example.com/a.jpg",
    "//evil.example/",
    "javascript:alert(1)",
    "ftp://example.com/a.jpg",
    "https://ex ample.com/",
    "https://xn--/a.jpg",
    "https://" + "a" * 300 + ".com/",
)


# Edges are where arithmetic overflows: the first and last day, the widths of integers.
DATES = st.one_of(st.dates(), st.sampled_from((date.min, date.max, date(2024, 2, 29)))).map(str)
INTEGERS = st.one_of(
    st.integers(),
    st.sampled_from((0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**20)),
).map(str)


def mostly(
    usual: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any], weight: int = 2
) -> st.SearchStrategy[Any]:
    """``usual`` ``weight`` times out of ``weight + 1``. (``st.one_of`` would flatten an
    ``unusual`` that is itself a one_of, and weigh each of its branches like ``usual``.)"""
    return st.sampled_from([usual] * weight + [unusual]).flatmap(lambda strategy: strategy)


def _base64_json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(10**400),
    st.floats(),
    st.text(max_size=20),
    st.datetimes().map(datetime.isoformat),
)
JSON_VALUES = st.one_of(
    st.recursive(
        JSON_LEAVES,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.text(max_size=5), children, max_size=3),
        ),
        max_leaves=6,
    ),
    st.tuples(JSON_LEAVES, st.uuids().map(str)).map(list),  # a keyset cursor: [key, id]
)
GARBAGE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    INTEGERS,
    st.integers(min_value=19, max_value=5000).map(lambda digits: "9" * digits),
    st.integers(min_value=1000, max_value=100_000).map(lambda length: "x" * length),
    st.floats().map(str),
    DATES,
    st.datetimes().map(datetime.isoformat),
    st.sampled_from(URLS),
    JSON_VALUES.map(_base64_json),  # the shape of a cursor or a token
)


SAMPLE_FILES: tuple[Callable[[], bytes], ...] = (
    functools.partial(photo_bytes, 600, 800),
    functools.partial(photo_bytes, 600, 800, "PNG"),
    functools.partial(voice_bytes, 3.0, "wav"),
    functools.partial(voice_bytes, 3.0, "mp3"),
    functools.partial(recording_bytes, 2.0, "webm"),
)


@functools.cache
def sample_file(index: int) -> bytes:
    return SAMPLE_FILES[index]()


MAGIC = (b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WAVE", b"ID3\x04")
MAGIC += (b"\x00\x00\x00\x20ftypM4A ", b"\x1a\x45\xdf\xa3", b"OggS", b"GIF89a", b"<svg")


def _corrupt(original: bytes, at: int, patch: bytes) -> bytes:
    at %= max(len(original), 1)
    return original[:at] + patch + original[at + len(patch) :]


# Drawn by index: each file is made on first use, and a failure's report stays short.
REAL_FILES = st.integers(0, len(SAMPLE_FILES) - 1).map(sample_file)
UPLOADS = st.builds(
    SimpleUploadedFile,
    st.one_of(
        st.sampled_from(("photo.jpg", "photo.png", "voice.mp3", "voice.wav", "recording.webm")),
        st.sampled_from(("noext", ".jpg", "a" * 300 + ".jpg", "../../x.jpg", "фото.jpg")),
        st.text(min_size=1, max_size=20).filter(
            lambda name: os.path.basename(name) not in ("", ".", "..")  # SimpleUploadedFile's rule
        ),
    ),
    st.one_of(
        REAL_FILES,
        st.binary(max_size=1024),
        st.tuples(REAL_FILES, st.floats(0, 1)).map(
            lambda pair: pair[0][: int(len(pair[0]) * pair[1])]  # cut short
        ),
        st.builds(_corrupt, REAL_FILES, st.integers(0, 10**6), st.binary(min_size=1, max_size=32)),
        st.tuples(st.sampled_from(MAGIC), st.binary(max_size=256)).map(b"".join),
    ),
    st.sampled_from(
        ("image/jpeg", "image/png", "audio/mpeg", "audio/wav", "audio/webm", "text/html", "")
    ),
)


def _choices(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):
            values.extend(str(inner) for inner, _ in label)
        else:
            values.append(str(value))
    return values


def plausible(field: forms.Field, world_strings: list[str]) -> st.SearchStrategy[Any]:
    """A value of the kind the field expects, or near it."""
    if isinstance(field, forms.FileField):
        return UPLOADS
    if isinstance(field, forms.ModelChoiceField):
        pks = sorted(str(pk) for pk in field.queryset.values_list("pk", flat=True))
        return st.sampled_from(pks) if pks else st.uuids().map(str)
    if isinstance(field, forms.ChoiceField) and _choices(field):
        return st.sampled_from(_choices(field))
    if isinstance(field, forms.UUIDField):
        return st.uuids().map(str)
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(("on", "true", "false", "0", "1"))
    if isinstance(field, forms.IntegerField):  # and FloatField, DecimalField
        return st.one_of(INTEGERS, st.decimals().map(str), st.floats().map(str))
    if isinstance(field, forms.EmailField):
        return st.one_of(st.emails(), st.sampled_from(("new@example.com", "member@example.com")))
    if isinstance(field, forms.URLField):
        return st.sampled_from(URLS)
    if isinstance(field, forms.DateField):
        return DATES
    return st.one_of(st.sampled_from(world_strings), st.text(max_size=40))


# The world's own values: what a path parameter or a form field may name.


def known_values(world: World) -> dict[str, list[str]]:
    """Real objects by path converter: this team's, another team's, and of the wrong kind."""
    memberships = Membership.objects.order_by("pk").values_list("pk", flat=True)
    tokens = [
        world.generation.callback_token,
        world.share_link.token,
        world.invitation.token,
        inputs.signed_url(world.generation.photo.name).split("/")[-2],
    ]
    return {
        "uuid": [
            str(thing.pk)
            for thing in (world.clip, world.trashed_clip, world.generation, world.voice)
        ],
        "int": [str(pk) for pk in (world.invitation.pk, world.share_link.pk, *memberships)],
        "token": tokens,
        "str": tokens,
    }


def world_strings(world: World) -> list[str]:
    values = known_values(world)
    return [
        world.team.name,
        str(world.team.pk),
        world.clip.title,
        "a-long-password-1",
        *(user.email for user in world.users.values()),
        *dict.fromkeys(value for group in values.values() for value in group),
    ]


PARAMETER = re.compile(
    r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>(?P<pattern>[^)]*)\)"
)


def parameters(route: Route) -> tuple[list[str], list[tuple[str | None, str]]]:
    """The route's literal pieces, and its parameters as (converter or None, pattern)."""
    template = route.route.replace("^", "").replace("$", "")
    literals, found, end = [], [], 0
    for match in PARAMETER.finditer(template):
        literals.append(template[end : match.start()])
        if match["name"]:
            converter = match["converter"] or "str"
            found.append((converter, get_converters()[converter].regex))
        else:
            found.append((None, match["pattern"]))
        end = match.end()
    literals.append(template[end:])
    return literals, found


def admitted(pattern: str) -> st.SearchStrategy[str]:
    """Whatever the pattern lets through, and the hostile values among NASTY that it does."""
    anything = st.from_regex(rf"\A(?:{pattern})\Z", alphabet=st.characters(codec="utf-8"))
    nasty = [value for value in NASTY if re.fullmatch(pattern, value)]
    return mostly(anything, st.sampled_from(nasty), weight=1) if nasty else anything


def fill(literals: list[str], values: tuple[str, ...]) -> str:
    quoted = [quote(value, safe="/") for value in values]
    joined = zip(literals[:-1], quoted, strict=True)
    return "/" + "".join(piece + value for piece, value in joined) + literals[-1]


# Headers a browser, a proxy or an attacker may send. Values are what a WSGI server hands
# over: latin-1 text, without the control characters it refuses.

HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
)
HUGE = "9" * 4300
CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=bogus",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    f"multipart/form-data; boundary={BOUNDARY}x",
    MULTIPART_CONTENT,
    "application/json",
    "text/plain",
    "",
)
HEADER_SEEDS: dict[str, tuple[str, ...]] = {
    "Range": (
        "bytes=0-",
        "bytes=0-0",
        "bytes=-0",
        "bytes=-1",
        "bytes=3-1",
        "bytes=99-",
        "bytes=-",
        "bytes=0-1,2-3",
        "bytes=abc",
        "items=0-1",
        f"bytes={HUGE}-",
        f"bytes=-{HUGE}",
        "bytes=" + "9" * 19 + "-",
    ),
    "If-None-Match": ("*", '"x"', 'W/"x"', "W/", '"', ""),
    "If-Modified-Since": ("Sat, 29 Oct 1994 19:43:31 GMT", "Mon, 32 Foo 99999 99:99:99 GMT", "0"),
    "If-Range": ('"x"', "Sat, 29 Oct 1994 19:43:31 GMT"),
    "HX-Current-URL": (
        "http://testserver/",
        "http://testserver/library/",
        "http://[",
        "http://testserver:99999/",
        "//testserver/",
        "not a url",
    ),
    "HX-Target": ("gallery-results", "status-card", "", "#"),
    "HX-Trigger": ("", "x" * 300),
    "HX-Trigger-Name": ("q", ""),
    "HX-Boosted": ("true", "false"),
    "HX-History-Restore-Request": ("true",),
    "HX-Prompt": ("", "\xff"),
    "Accept": ("*/*", "text/html", "application/json", "text/html;q=abc", ""),
    "Accept-Language": ("*", "xx-YY;q=abc", "en-" * 100, "de-DE,de;q=0.9", ";;;", ""),
    "Accept-Encoding": ("gzip", "br;q=x", ""),
    "X-Forwarded-For": ("1.2.3.4", "garbage", ", , ,", "::1, 999.1.1.1", HUGE),
    "X-Forwarded-Proto": ("https", "http", "garbage"),
    "Referer": ("http://testserver/", "http://[", "https://evil.example/", "garbage"),
    "Origin": ("http://testserver", "null", "http://[", "https://evil.example"),
    "User-Agent": ("", "Mozilla/5.0", "\xff" * 200),
    "Authorization": ("Bearer ", f"Bearer {HEALTHZ_TOKEN}", "Basic Og==", "Bearer \xff"),
    "Cookie": (
        "sessionid=garbage",
        "csrftoken=\xff",
        "messages=garbage",
        "messages=W10:1:bad",
        '"',
        "=;=;",
        "a=b; a=c",
        "django_language=xx",
    ),
    "webhook-id": ("msg_1", "", "\xff"),
    "webhook-timestamp": ("0", "-1", "nan", "inf", "1e400", HUGE, "", "garbage"),
    "webhook-signature": ("v1,", "v1,!!!", "v1,AAAA", "v2,AAAA", "v1", ",", "v1,a,b", ""),
}


def pairs(values: dict[str, st.SearchStrategy[Any]], **sizes: int) -> st.SearchStrategy[list]:
    """A list of (name, value) pairs, each name with a value of its own kind; names repeat."""
    return st.lists(
        st.one_of(*(st.tuples(st.just(name), value) for name, value in values.items())), **sizes
    )


# Each header present or not, its value mostly one known to trip parsers. (A wrong
# Content-Type comes with the bodies, now and then: with every header it would spoil every form.)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        name: mostly(st.sampled_from(seeds), HEADER_TEXT) for name, seeds in HEADER_SEEDS.items()
    },
)


# Query strings and bodies.

RAW_QUERIES = ("%", "%%", "%zz", "%ff%fe", "%c0%af", "%ed%a0%80", "=", "&&", ";", "a=%00", "+")


def query_strings(
    fields: dict[str, st.SearchStrategy[Any]], names: tuple[str, ...]
) -> st.SearchStrategy[str]:
    encoded = form_items(fields, names).map(_text_only).map(urlencode)
    raw = st.lists(
        st.one_of(st.sampled_from(RAW_QUERIES), st.sampled_from(names).map(lambda n: n + "=%ff")),
        min_size=1,
        max_size=4,
    ).map("&".join)
    return st.one_of(encoded, encoded, raw, st.tuples(encoded, raw).map("&".join))


def form_items(
    fields: dict[str, st.SearchStrategy[Any]], names: tuple[str, ...]
) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """Half the time a form the view may accept: some of its own fields, each plausible (a
    form with one bad field is refused whole, so the other fields are never used). Otherwise
    its fields plausible or hostile, and a few other names."""
    if not fields:
        return st.lists(st.tuples(_any_name(names), mostly(GARBAGE, UPLOADS)), max_size=3)
    size = {"min_size": 1, "max_size": len(fields) + 2}
    valid = pairs(fields, **size)
    own = pairs({name: mostly(value, GARBAGE) for name, value in fields.items()}, **size)
    others = st.lists(st.tuples(_any_name(names), mostly(GARBAGE, UPLOADS)), max_size=2)
    hostile = st.tuples(own, others).map(lambda both: both[0] + both[1])
    return mostly(valid, hostile, weight=1)


def _any_name(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(names), st.text(max_size=10), st.just("q[]"))


def _text_only(items: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(key, value if isinstance(value, str) else value.name) for key, value in items]


def _multipart(items: list[tuple[str, Any]]) -> bytes:
    grouped: dict[str, list[Any]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return encode_multipart(BOUNDARY, grouped)


def bodies(
    fields: dict[str, st.SearchStrategy[Any]], names: tuple[str, ...]
) -> st.SearchStrategy[tuple[bytes, str]]:
    items = form_items(fields, names)
    return st.one_of(
        items.map(lambda chosen: (_multipart(chosen), MULTIPART_CONTENT)),
        items.map(
            lambda chosen: (
                urlencode(_text_only(chosen)).encode(),
                "application/x-www-form-urlencoded",
            )
        ),
        st.tuples(st.binary(max_size=512), st.sampled_from(CONTENT_TYPES)),
        st.tuples(items.map(_multipart), st.sampled_from(CONTENT_TYPES)),
    )


# The fuzzer: one world, one visitor's client, and a way to undo each request.


def documentation_address(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple]:
    """Every host "resolves" to TEST-NET-1, which the URL guard refuses: no fetch goes out."""
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", port))]


def files_in(folder: Path) -> set[tuple[str, int, int]]:
    return {
        (str(path), stat.st_size, stat.st_mtime_ns)
        for path in folder.rglob("*")
        for stat in [path.stat()]
    }


class Fuzzer:
    def __init__(self, world: World, media: Path, snapshot: Path) -> None:
        self.world = world
        self.media, self.snapshot = media, snapshot
        self.files = files_in(media)
        self.known = known_values(world)
        self.strings = world_strings(world)
        self.names = tuple(sorted({*form_field_names(), *names_read_from_requests()}))
        self.clients: dict[str, Client] = {}
        self._strategies: dict[Callable | None, tuple[st.SearchStrategy, st.SearchStrategy]] = {}
        self._paths: dict[Route, st.SearchStrategy[str]] = {}

    def client(self, visitor: str) -> Client:
        if visitor not in self.clients:
            self.clients[visitor] = client_of(self.world, visitor)
        return self.clients[visitor]

    def strategies_for(self, route: Route) -> tuple[st.SearchStrategy, st.SearchStrategy]:
        """Query strings and bodies keyed by what the route's view reads: the fields of the
        forms it names, and the parameters its module reads off the request."""
        if route.view not in self._strategies:
            anything = mostly(st.sampled_from(self.strings), GARBAGE, weight=1)
            fields = dict.fromkeys(sorted(names_read_by(route.view)), anything) | {
                name: plausible(field, self.strings)
                for form_class in forms_named_by(route.view)
                for name, field in fields_of(form_class, self.world).items()
            }
            self._strategies[route.view] = (
                st.one_of(st.just(""), query_strings(fields, self.names)),
                bodies(fields, self.names),
            )
        return self._strategies[route.view]

    def paths(self, route: Route) -> st.SearchStrategy[str]:
        """The route's path: its parameters are real objects, mostly ones the view finds for
        its owner, or whatever the pattern admits."""
        if route not in self._paths:
            literals, found = parameters(route)
            choices = [self.known.get(converter, []) for converter, _ in found]
            anything = st.tuples(
                *(
                    st.one_of(
                        *([st.sampled_from(real)] if real else []),
                        admitted(pattern),
                    )
                    for real, (_, pattern) in zip(choices, found, strict=True)
                )
            )
            fitting = self.fitting(route, literals, choices) if found else []
            values = st.one_of(*[st.sampled_from(fitting)] * 3, anything) if fitting else anything
            self._paths[route] = values.map(lambda chosen: fill(literals, chosen))
        return self._paths[route]

    def fitting(
        self, route: Route, literals: list[str], choices: list[list[str]]
    ) -> list[tuple[str, ...]]:
        """The combinations of real values the view finds: all of the first dozen tried, then
        only until one is found (two parameters of eleven candidates are many requests)."""
        found = []
        for tried, values in enumerate(itertools.product(*choices)):
            if found and tried >= PROBES:
                break
            if self.finds(fill(literals, values), route):
                found.append(values)
        return found

    def finds(self, path: str, route: Route) -> bool:
        """Whether the owner's plain request to ``path`` finds what it names (no 404)."""
        allowed = allowed_methods(route)
        method = "GET" if allowed is None or "GET" in allowed else sorted(allowed)[0]
        client = self.client("owner")
        with self.undone(client):
            response = client.generic(method, path)
        return response.status_code != 404

    def send(self, data: st.DataObject, route: Route) -> HttpResponse:
        visitor = data.draw(st.sampled_from(VISITORS_DEEPEST_FIRST), label="visitor")
        path = data.draw(self.paths(route), label="path")
        queries, forms_sent = self.strategies_for(route)
        method = data.draw(st.sampled_from(methods_for(route)), label="method")
        query = data.draw(queries, label="query")
        sent = data.draw(HEADERS, label="headers")
        if data.draw(st.booleans(), label="htmx"):
            sent = {"HX-Request": "true", **sent}
        body, content_type = b"", ""
        if method not in ("GET", "HEAD", "OPTIONS"):
            body, content_type = data.draw(forms_sent, label="body")
        client = self.client(visitor)
        if "Cookie" in sent:  # garbage beside the visitor's own session cookie, not instead
            own = "; ".join(f"{c.key}={c.coded_value}" for c in client.cookies.values())
            sent["Cookie"] = f"{sent['Cookie']}; {own}"
        url = f"{path}?{query}" if query else path
        with self.undone(client):
            response = client.generic(method, url, body, content_type, headers=sent)
            if response.streaming:
                for _ in response.streaming_content:
                    pass
        return response

    @contextmanager
    def undone(self, client: Client) -> Iterator[None]:
        """Roll the database back; put the visitor's cookies and the media folder back."""
        cookies = copy.deepcopy(client.cookies)
        try:
            with transaction.atomic():
                yield
                transaction.set_rollback(True)
        finally:
            client.cookies = cookies
            if files_in(self.media) != self.files:
                shutil.rmtree(self.media, ignore_errors=True)
                shutil.copytree(self.snapshot, self.media)


@pytest.fixture
def fuzzer(world, settings, monkeypatch, tmp_path) -> Fuzzer:
    settings.KLING_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.HEALTHZ_TOKEN = HEALTHZ_TOKEN
    monkeypatch.setattr(fetch.socket, "getaddrinfo", documentation_address)
    media = Path(settings.MEDIA_ROOT)
    snapshot = tmp_path / "media-before"
    shutil.copytree(media, snapshot)
    return Fuzzer(world, media, snapshot)


def _answered(response: HttpResponse) -> str:
    request = response.request
    return f"{response.status_code} for {request['REQUEST_METHOD']} {request['PATH_INFO']}"


@pytest.mark.parametrize("route", OUR_ROUTES, ids=lambda route: route.key)
@given(data=st.data())
@FUZZ
def test_no_request_to_the_url_gets_a_server_error(fuzzer, route, data):
    response = fuzzer.send(data, route)
    assert response.status_code < 500, _answered(response)


# Django's own admin sends everyone here (nobody is staff) to its sign-in page: fewer tries.
@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda route: route.key)
@given(data=st.data())
@hypothesis_settings(FUZZ, max_examples=max(1, EXAMPLES // 5))
def test_no_request_to_the_admin_gets_a_server_error(fuzzer, route, data):
    response = fuzzer.send(data, route)
    assert response.status_code < 500, _answered(response)
