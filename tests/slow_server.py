"""A web server on loopback that answers one byte at a time: the slow photo host of fetch tests."""

from __future__ import annotations

import socketserver
import threading

RESPONSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n"
    b"Connection: close\r\n\r\n"
)
# Long enough to outlast any deadline a test sets, short enough that code with no deadline
# fails its test in seconds rather than hanging it.
DRIP_SECONDS = 10.0
BYTE_INTERVAL = 0.05


class DrippingServer:
    """Answers each request with a byte every ``BYTE_INTERVAL`` seconds, and hangs up after
    ``DRIP_SECONDS`` or when the ``with`` block ends. ``drip`` says what trickles: ``"body"``
    (the headers come at once) or ``"headers"`` (so no answer ever starts)."""

    def __init__(self, drip: str = "body") -> None:
        at_once, trickle = (
            (RESPONSE_HEAD, b"x" * 100_000) if drip == "body" else (b"", RESPONSE_HEAD)
        )
        stopped = self._stopped = threading.Event()

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.recv(65536)
                self.request.sendall(at_once)
                for count, byte in enumerate(trickle):
                    if stopped.wait(BYTE_INTERVAL) or count * BYTE_INTERVAL > DRIP_SECONDS:
                        return
                    try:
                        self.request.sendall(bytes([byte]))
                    except OSError:  # the client gave up: what a deadline should make it do
                        return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/photo.jpg"

    def __enter__(self) -> DrippingServer:
        threading.Thread(target=self.server.serve_forever, daemon=True, name="dripping").start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self.server.shutdown()
        self.server.server_close()
