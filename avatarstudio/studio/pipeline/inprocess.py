"""One task worker in a thread of this process: for browser tests and benchmarks."""

from __future__ import annotations

import threading

from django_tasks_db.management.commands.db_worker import Worker


def start_worker(interval: float, worker_id: str) -> Worker:
    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.thread = threading.Thread(target=worker.run, daemon=True, name=worker_id)
    worker.thread.start()
    return worker


def stop_worker(worker: Worker, timeout: float = 60) -> None:
    """Stop after the task it runs, and wait for that: a test's database is emptied only
    once no task of it is half way through saving its result."""
    worker.running = False
    worker.thread.join(timeout)
