"""Reaching a Dask scheduler: an address is checked to answer as one, within a time limit.

``distributed.Client`` waits forever for the handshake of something that accepts a TCP
connection but never answers (a wrong port, a service that is not Dask), and a malformed
address reaches the user as a ``ValueError`` from deep inside ``distributed``. Before a
partitioned report starts (:func:`storemon.engine.partition.run_partitioned`),
:func:`check_scheduler` connects, asks the scheduler who it is (its ``identity``, the call
``Client`` itself makes first) and gives up after the connect timeout that Dask is configured
with (``distributed.comm.timeouts.connect``, default 30 s; the variable
``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT`` sets it), saying in one sentence what to check.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from storemon.config import SCHEDULER_VARIABLE
from storemon.errors import StoremonError

TIMEOUT_SETTING = "distributed.comm.timeouts.connect"
DEFAULT_TIMEOUT = "30s"  # distributed's own default, for when distributed is not imported yet
EXAMPLE = "tcp://10.0.0.5:8786"


def connect_timeout() -> float:
    """Seconds to wait for a scheduler: Dask's connect timeout (``TIMEOUT_SETTING``)."""
    # Imported here: a report that never reaches a scheduler (every notebook kernel's) does
    # not pay for importing Dask.
    import dask.config
    from dask.utils import parse_timedelta

    return float(
        parse_timedelta(dask.config.get(TIMEOUT_SETTING, DEFAULT_TIMEOUT), default="seconds")
    )


def check_scheduler(address: str, timeout: float | None = None) -> None:
    """Make sure ``address`` is a Dask scheduler that answers, or say what to check.

    The check runs on an event loop of its own, in a thread of its own, so it works from a
    notebook's kernel too (whose thread already runs a loop).

    Args:
        address: The scheduler's address, as given (``--scheduler`` or ``STOREMON_SCHEDULER``).
        timeout: Seconds to wait at most; default :func:`connect_timeout`.

    Raises:
        StoremonError: The address is malformed, nothing answers there, or what answers is not
            a Dask scheduler; the sentence names the address and what to check.
    """
    timeout = connect_timeout() if timeout is None else timeout
    given = f"--scheduler or {SCHEDULER_VARIABLE}"
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="storemon-scheduler-check") as pool:
            identity = pool.submit(asyncio.run, _identity(address, timeout)).result()
    except ValueError as error:
        raise StoremonError(
            f"{address!r} is not a Dask scheduler address ({error}): give {given} as "
            f"tcp://HOST:PORT, e.g. {EXAMPLE}"
        ) from None
    except asyncio.TimeoutError:
        raise StoremonError(
            f"{address} accepted a connection but did not answer as a Dask scheduler within "
            f"{timeout:g} s: check the host and port ({given}; a scheduler listens on 8786 by "
            "default, 8787 is its web dashboard)"
        ) from None
    except OSError as error:
        raise StoremonError(
            f"cannot reach a Dask scheduler at {address} ({error}): check that the scheduler "
            f"runs and that {given} gives its host and port"
        ) from None
    kind = identity.get("type") if isinstance(identity, dict) else None
    if kind != "Scheduler":
        raise StoremonError(
            f"{address} answers as a Dask {kind or 'service'}, not as a scheduler: give {given} "
            "the scheduler's address"
        )


async def _identity(address: str, timeout: float) -> dict:
    """Connect to ``address`` and ask for its identity, all within ``timeout`` seconds."""
    from distributed.comm import connect
    from distributed.core import send_recv

    async def ask() -> dict:
        comm = await connect(address, timeout=timeout)
        try:
            return await send_recv(comm, op="identity")
        finally:
            comm.abort()

    return await asyncio.wait_for(ask(), timeout)
