"""The dashboard's background threads: callbacks start slow work here and return at once."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Workers:
    """A few long-lived daemon threads that run the dashboard's background tasks.

    Long-lived on purpose: ipykernel sends a thread's widget updates through a socket of that
    thread, which is closed (and its last updates can be dropped) once the thread ends, so
    a thread per task loses updates. These threads live as long as the dashboard.

    Args:
        size: How many tasks may run at once (a running report's poller holds one).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._tasks: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, task: Callable[[], None]) -> None:
        """Queue ``task``; start a thread when all are busy and fewer than ``size`` run.

        Args:
            task: What to run; it should not raise (an error would only be logged).
        """
        with self._idle:
            self._pending += 1
            busy = self._pending > len(self._threads)
            if busy and len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"storemon-dashboard-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        self._tasks.put(task)

    def _work(self) -> None:
        """Run tasks until a stop sentinel arrives."""
        while True:
            task = self._tasks.get()
            if task is None:
                return
            try:
                task()
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no task is queued or running.

        Args:
            timeout: Seconds to wait at most.

        Returns:
            False on timeout.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def stop(self) -> None:
        """Let every thread end after its current task."""
        with self._idle:
            threads = len(self._threads)
        for _ in range(threads):
            self._tasks.put(None)
