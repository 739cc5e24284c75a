"""Serve the simulator over real HTTP: for `manage.py kling_simulator` and for tests that need
a real socket (timeouts, broken downloads, callbacks from another thread)."""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from avatarstudio.simulator.app import Simulator

logger = logging.getLogger(__name__)
TICK_SECONDS = 0.5


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        logger.debug("simulator %s", format % args)


class SimulatorServer:
    """The simulator on ``host:port`` (0 picks a free port), with a ticker for callbacks."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self.httpd = make_server(
            host, port, simulator, server_class=ThreadingWSGIServer, handler_class=QuietHandler
        )
        self.url = f"http://{host}:{self.httpd.server_port}"
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> SimulatorServer:
        for target in (self.httpd.serve_forever, self._tick_forever):
            thread = threading.Thread(
                target=target, daemon=True, name=f"simulator-{target.__name__}"
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _tick_forever(self) -> None:
        while not self._stopped.wait(TICK_SECONDS):
            try:
                self.simulator.tick()
            except Exception:
                logger.exception("simulator tick failed")

    def stop(self) -> None:
        self._stopped.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.simulator.close()
