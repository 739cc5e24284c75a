"""An unchanged status card's poll versus a static file, through the same gunicorn.

Run: .venv/bin/python bench/poll_http.py [--connections 16] [--seconds 5] [--rounds 3]
A fresh production site (`_site.Site`: DEBUG off, Redis as the cache, gunicorn as `make
serve` starts it) with a member watching 50 running videos. At the same concurrency, in
interleaved rounds, a small asyncio client asks for: the stylesheet (served by WhiteNoise),
the cards' poll addresses with their tokens (answered 204: nothing changed), and the same
cards without a token (rendered, as every poll was before). Each figure is requests a
second; the goal is the unchanged poll's rate as a share of the static file's.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time

from _site import Connection, Site, request_bytes

GOAL = 0.60

parser = argparse.ArgumentParser()
parser.add_argument("--connections", type=int, default=16)
parser.add_argument("--seconds", type=float, default=5.0)
parser.add_argument("--rounds", type=int, default=3)
arguments = parser.parse_args()


async def rate(port: int, requests: list[bytes], expected: int) -> float:
    """Requests a second answered ``expected`` by ``--connections`` connections at once."""
    answered = 0
    cycle = itertools.cycle(requests)
    deadline = time.perf_counter() + arguments.seconds

    async def one_connection() -> None:
        nonlocal answered
        connection = Connection(port)
        try:
            while time.perf_counter() < deadline:
                status = await connection.ask(next(cycle))
                if status != expected:
                    raise RuntimeError(f"expected {expected}, got {status}")
                answered += 1
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(arguments.connections)))
    return answered / (time.perf_counter() - started)


def main() -> None:
    site = Site()
    site.prepare(cards=50)
    with site.serve() as server:
        static = [request_bytes(server.static_file())]
        unchanged = [
            request_bytes(server.poll_address(card), site.session, htmx=True) for card in site.cards
        ]
        rendered = [request_bytes(card, site.session, htmx=True) for card in site.cards]
        kinds = {"static file": (static, 200), "unchanged": (unchanged, 204)}
        kinds["rendered"] = (rendered, 200)
        rates: dict[str, list[float]] = {name: [] for name in kinds}
        asyncio.run(rate(server.port, static, 200))  # warm every gunicorn process
        for _ in range(arguments.rounds):
            for name, (requests, expected) in kinds.items():
                rates[name].append(asyncio.run(rate(server.port, requests, expected)))
    figures = {name: statistics.median(values) for name, values in rates.items()}
    for name, value in figures.items():
        print(f"{name}: {value:.0f} requests/s at {arguments.connections} connections")
    share = figures["unchanged"] / figures["static file"]
    print(
        f"poll http: unchanged card {figures['unchanged']:.0f}/s, "
        f"{share:.0%} of a static file's {figures['static file']:.0f}/s "
        f"(rendered {figures['rendered']:.0f}/s) (goal ≥ {GOAL:.0%})"
    )


if __name__ == "__main__":
    main()
