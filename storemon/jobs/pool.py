"""A small pool of warm Jupyter kernels: started, imports done, each used for one report.

Starting a kernel and importing pandas, DuckDB and storemon takes seconds; computing a report
takes well under one. A :class:`KernelPool` keeps ``size`` kernels started ahead of time, each
having run the report notebook's set-up cells (its imports), and hands one out per report: the
pattern of Voilà's preheated kernels. A kernel serves one report only (nothing a report leaves
in it can reach the next one); the caller shuts it down with :meth:`KernelPool.discard` and a
background thread starts its replacement.

How a pooled kernel runs a notebook, and why this way: papermill hands its engine every
keyword it does not know, and nbclient's ``NotebookClient(km=...)`` runs on a kernel manager
that already has a kernel (it starts one only when ``km.has_kernel`` is false, and shuts down
only kernels it started). :mod:`storemon.jobs.engine` registers a papermill engine that passes
the pooled :class:`~jupyter_client.manager.AsyncKernelManager` on and closes the kernel client
it opened; the report stays an ordinary papermill run (parameters cell, per-cell saves, the
executed notebook kept). nbclient's default manager class is ``AsyncKernelManager``, so the
pool starts that class, and talks to its idle kernels through a blocking client of its own.

Health: the keeper thread replaces an idle kernel whose process ended (checked every
``check_every`` seconds) or that does not answer a ``kernel_info`` request within
``answer_timeout`` (checked every ``ping_every`` seconds, and again when it is handed out).
:meth:`KernelPool.close` kills every kernel the pool started, idle or being warmed.

One kernel's start, health check and shutdown are :mod:`storemon.jobs.kernel`.
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from storemon.errors import StoremonError
from storemon.jobs.kernel import WarmKernel, answers, client_of, running, shutdown, start_kernel
from storemon.jobs.process import can_raise_priority, set_priority

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 180.0  # a kernel start on a busy 2-core machine can take a while
ANSWER_TIMEOUT_SECONDS = 10.0  # an idle kernel that does not answer within this is stuck
CHECK_SECONDS = 0.5  # how often idle kernels' processes are checked
PING_SECONDS = 15.0  # how often idle kernels are asked for an answer
RETRY_SECONDS = 2.0  # pause after a kernel failed to start


class KernelPool:
    """Up to ``size`` warm kernels, refilled in the background; one kernel per report.

    Args:
        size: Warm kernels kept ready (0: :meth:`take` starts one on demand, like a cold run).
        setup_code: Code every kernel runs once started (the notebook's imports); its outputs
            are discarded and it does not count as an execution (``store_history=False``).
        cwd: The kernels' working directory.
        kernel_name: The kernel spec.
        answer_timeout: Seconds an idle kernel may take to answer before it counts as stuck.
        ping_every: Seconds between two pings of an idle kernel.
        check_every: Seconds between two checks of idle kernels' processes.
        refill: Replace a kernel handed out (False: start ``size`` kernels in all, e.g. for
            one report run from the command line).
        warm_niceness: When more than 0, replacements start and warm at this nice value (so
            that they do not slow a running report) and get nice 0 back when handed out, or as
            soon as a caller of :meth:`take` waits for them; only where this process may give
            priority back (else kernels keep nice 0).
    """

    def __init__(
        self,
        size: int,
        setup_code: str = "",
        cwd: str | Path | None = None,
        kernel_name: str = "python3",
        answer_timeout: float = ANSWER_TIMEOUT_SECONDS,
        ping_every: float = PING_SECONDS,
        check_every: float = CHECK_SECONDS,
        refill: bool = True,
        warm_niceness: int = 0,
    ) -> None:
        self.size = max(0, size)
        self.setup_code = setup_code
        self.cwd = str(Path(cwd or os.getcwd()).absolute())
        self.kernel_name = kernel_name
        self.answer_timeout = answer_timeout
        self.ping_every = ping_every
        self.check_every = check_every
        self.refill = refill
        self.warm_niceness = warm_niceness if warm_niceness > 0 and can_raise_priority() else 0
        self._made = 0  # kernels started by the keeper
        self._held = 0  # reports that asked for refills to wait (see hold_refill)
        self._takers = 0  # callers of take() waiting for a kernel
        self._warming = False  # the keeper is starting one
        self._idle: collections.deque[WarmKernel] = collections.deque()
        self._started: dict[int, WarmKernel] = {}  # every kernel started and not shut down
        self._lock = threading.Condition()
        self._closing = False
        self._keeper: threading.Thread | None = None
        # Kernels write to this process's stderr as it is now, not to a job log that may
        # replace fds 1 and 2 while a kernel starts (see storemon.jobs.runner.job_log).
        self._output = os.dup(2)

    def start(self) -> KernelPool:
        """Start the keeper thread that fills the pool and watches idle kernels (once).

        Returns:
            The pool itself.
        """
        with self._lock:
            if self._keeper is None and self.size > 0:
                self._keeper = threading.Thread(
                    target=self._keep, name="storemon-kernel-pool", daemon=True
                )
                self._keeper.start()
        return self

    def idle_pids(self) -> list[int]:
        """The process ids of the warm kernels waiting for a report."""
        with self._lock:
            return [kernel.pid for kernel in self._idle]

    def pids(self) -> list[int]:
        """The process ids of every kernel the pool started and has not shut down."""
        with self._lock:
            return list(self._started)

    def take(self, timeout: float = START_TIMEOUT_SECONDS) -> AsyncKernelManager:
        """Hand out a warm, answering kernel for one report (waiting for one if need be).

        Args:
            timeout: Seconds to wait for a warm kernel.

        Returns:
            Its manager; give it back to :meth:`discard` once the report is done.

        Raises:
            StoremonError: No kernel became ready in time, or the pool is closed.
        """
        deadline = time.monotonic() + timeout
        while True:
            kernel = self._next_idle(deadline)
            if kernel is None:  # no pool: start one for this report
                kernel = self._start_kernel()
            if kernel is not None and answers(kernel, self.answer_timeout):
                if self.warm_niceness:
                    set_priority(kernel.pid, 0)  # the report runs at full priority
                return kernel.km
            if kernel is not None:
                log.warning("kernel %s did not answer: replacing it", kernel.pid)
                self.discard(kernel.km)
            if time.monotonic() > deadline:
                raise StoremonError(f"no Jupyter kernel became ready within {timeout:.0f} s")

    def _next_idle(self, deadline: float) -> WarmKernel | None:
        """The next idle kernel (the keeper then starts its replacement); None without a pool."""
        with self._lock:
            waiting = not self._idle and self._coming()
            self._takers += waiting  # the keeper starts a kernel for it even while held
            try:
                while not self._idle and self._coming():
                    if self._closing:
                        raise StoremonError("the kernel pool is closed")
                    if time.monotonic() > deadline:
                        raise StoremonError("no Jupyter kernel became ready in time")
                    self._lock.notify_all()
                    if self.warm_niceness:  # someone waits for the kernel being warmed
                        for pid in self._started:
                            set_priority(pid, 0)
                    self._lock.wait(self.check_every)
            finally:
                self._takers -= waiting
            if not self._idle:
                return None
            kernel = self._idle.popleft()
            self._lock.notify_all()
            return kernel

    def _coming(self) -> bool:
        """Whether the keeper will (still) bring a kernel; called with the lock held."""
        return self.size > 0 and (self.refill or self._warming or self._made < self.size)

    def hold_refill(self) -> None:
        """Make replacements wait until :meth:`release_refill` (e.g. while a report computes).

        Starting a kernel and importing pandas and DuckDB takes seconds of CPU; on a 2-core
        machine doing that beside a running report slows the report. While held, the keeper
        starts a kernel only for a caller of :meth:`take` that would otherwise wait; it still
        replaces dead and stuck idle kernels' slots once released. Holds nest.
        """
        with self._lock:
            self._held += 1

    def release_refill(self) -> None:
        """Undo one :meth:`hold_refill`; the keeper refills once no hold is left."""
        with self._lock:
            self._held = max(0, self._held - 1)
            self._lock.notify_all()

    def discard(self, km: AsyncKernelManager) -> None:
        """Shut down a kernel handed out by :meth:`take` (it served its report).

        Args:
            km: The kernel's manager.
        """
        with self._lock:
            for pid, kernel in list(self._started.items()):
                if kernel.km is km:
                    del self._started[pid]
        shutdown(km)

    def close(self) -> None:
        """Stop the keeper and kill every kernel the pool started (idle, warming or handed out)."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()
            kernels, self._started = list(self._started.values()), {}
            self._idle.clear()
            keeper = self._keeper
        for kernel in kernels:
            shutdown(kernel.km)
        if keeper is not None:
            keeper.join(timeout=30)
        try:
            os.close(self._output)
        except OSError:
            pass

    def __enter__(self) -> KernelPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _keep(self) -> None:
        """The keeper: keep ``size`` warm kernels, replacing dead and stuck ones."""
        while True:
            with self._lock:
                if self._closing:
                    return
                self._drop(lambda k: not running(k), "ended")
                missing = len(self._idle) < self.size and (self.refill or self._made < self.size)
                missing = missing and (not self._held or self._takers > 0)
                due = [k for k in self._idle if time.monotonic() - k.pinged > self.ping_every]
                if not missing and not due:
                    self._lock.wait(self.check_every)
                    continue
                self._made += missing
                self._warming = missing
            if missing:
                kernel = self._start_kernel()
                with self._lock:
                    self._warming = False
                    if kernel is not None and not self._closing:
                        self._idle.append(kernel)
                        self._lock.notify_all()
                if kernel is None:
                    time.sleep(RETRY_SECONDS)
                continue
            stuck = {k for k in due if not answers(k, self.answer_timeout)}
            with self._lock:
                self._drop(stuck.__contains__, "did not answer")

    def _drop(self, bad: Callable[[WarmKernel], bool], why: str) -> None:
        """Shut down the idle kernels for which ``bad`` holds (called with the lock held)."""
        for kernel in [k for k in self._idle if bad(k)]:
            log.warning("idle kernel %s %s: replacing it", kernel.pid, why)
            self._idle.remove(kernel)
            self._started.pop(kernel.pid, None)
            shutdown(kernel.km)

    def _start_kernel(self) -> WarmKernel | None:
        """Start a kernel and run the set-up code in it; None when that failed."""
        try:
            km = start_kernel(self.kernel_name, self.cwd, self._output)
        except Exception as exc:  # noqa: BLE001 - logged; the keeper tries again
            log.warning("a kernel failed to start (%s): trying again", exc)
            return None
        kernel = WarmKernel(km, km.provisioner.process.pid)
        with self._lock:
            if self._closing:
                shutdown(km)
                return None
            self._started[kernel.pid] = kernel
            if self.warm_niceness and not self._takers and self._made > self.size:
                set_priority(kernel.pid, self.warm_niceness)  # a replacement: in the background
        try:
            self._warm(km)
        except Exception as exc:  # noqa: BLE001 - a kernel that died or failed its imports
            if self._closing:  # stopped by close() while it warmed: expected, not a fault
                return None
            log.warning("kernel %s failed its set-up (%s): replacing it", kernel.pid, exc)
            self.discard(km)
            return None
        return kernel

    def _warm(self, km: AsyncKernelManager) -> None:
        """Wait for a new kernel and run the set-up code in it (failing fast if it dies)."""
        kernel = WarmKernel(km, km.provisioner.process.pid)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not answers(kernel, 1.0):
            if not running(kernel) or time.monotonic() > deadline:
                raise RuntimeError("the kernel ended or did not answer before it was ready")
        if not self.setup_code:
            return
        client = client_of(km)
        try:
            msg_id = client.execute(self.setup_code, store_history=False, allow_stdin=False)
            while time.monotonic() < deadline and running(kernel):
                try:
                    reply = client.get_shell_msg(timeout=0.5)
                except queue.Empty:
                    continue
                if reply["parent_header"].get("msg_id") == msg_id:
                    content = reply["content"]
                    if content["status"] != "ok":
                        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")
                    return
            raise RuntimeError("the kernel ended or timed out during its set-up")
        finally:
            client.stop_channels()
