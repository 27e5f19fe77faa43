"""One kernel of the pool (:mod:`storemon.jobs.pool`): started, asked for an answer, shut down.

On Linux, pooled kernels talk over abstract Unix sockets (``transport="ipc"``, names starting
with ``@``, unique per kernel), not TCP. jupyter_client picks a TCP kernel's five ports by
binding port 0 and letting go of it before the kernel binds it; two processes starting kernels
at once (the report workers, or a worker and the dashboard) can be handed the same port, and the
losing kernel dies with ``Address already in use`` (a CI run saw it). An abstract socket is a
name, not a file: nothing to clean up after a killed runner, and no path that a long temp folder
could push past the 107-byte limit of socket paths. Like TCP on 127.0.0.1, any local process can
reach the sockets; as there, a message without the signing key of the kernel's connection file
(in the runner's private temp folder) is refused.
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from storemon.config import REPORT_NOTEBOOK
from storemon.files import read_json

POOLED_CLIENT = "storemon.jobs.engine.PooledKernelClient"
ABSTRACT = sys.platform == "linux"  # abstract socket names: a Linux feature (else TCP)


def start_kernel(kernel_name: str, cwd: str, output: int) -> AsyncKernelManager:
    """Start a kernel whose channels are abstract Unix sockets ``@storemon-<id>-1`` to ``-5``.

    Args:
        kernel_name: The kernel spec.
        cwd: The kernel's working directory.
        output: The file descriptor its stdout and stderr go to.

    Returns:
        Its manager, whose client skips jupyter_client's 0.2 s wait (see engine.py).
    """
    transport = {"transport": "ipc", "ip": f"@storemon-{uuid.uuid4().hex}"} if ABSTRACT else {}
    km = AsyncKernelManager(kernel_name=kernel_name, client_class=POOLED_CLIENT, **transport)
    run_sync(km.start_kernel)(cwd=cwd, stdout=output, stderr=output)
    return km


@dataclass(eq=False)
class WarmKernel:
    """A kernel of the pool: its manager, its process id and (while idle) a client to ping it.

    Attributes:
        km: The kernel's manager (what papermill and nbclient are given).
        pid: The kernel process's id.
        pinged: ``time.monotonic()`` of the last answer.
    """

    km: AsyncKernelManager
    pid: int
    pinged: float = field(default_factory=time.monotonic)


def client_of(km: AsyncKernelManager) -> BlockingKernelClient:
    """A blocking client of ``km``'s kernel, usable from any thread (its own zmq context)."""
    client = BlockingKernelClient()
    client.load_connection_info(km.get_connection_info())
    client.start_channels(hb=False)
    return client


def answers(kernel: WarmKernel, timeout: float) -> bool:
    """Tell whether a kernel's process lives and it answers ``kernel_info`` within ``timeout``.

    Args:
        kernel: A pooled kernel.
        timeout: Seconds to wait for the answer.

    Returns:
        True for a healthy kernel.
    """
    if not running(kernel):
        return False
    client = client_of(kernel.km)
    try:
        msg_id = client.kernel_info()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            reply = client.get_shell_msg(timeout=left)
            if reply["parent_header"].get("msg_id") == msg_id:
                kernel.pinged = time.monotonic()
                return True
    except Exception:  # noqa: BLE001 - no answer in time (queue.Empty) or a broken channel
        return False
    finally:
        client.stop_channels()
    return False


def running(kernel: WarmKernel) -> bool:
    """Whether a kernel's process is still running (a dead one is reaped here)."""
    provisioner = kernel.km.provisioner
    return (
        provisioner is not None
        and provisioner.process is not None
        and provisioner.process.poll() is None
    )


def shutdown(km: AsyncKernelManager) -> None:
    """Kill a kernel now and remove its connection file; a kernel already gone is fine."""
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - gone already, or never fully started
        try:
            if km.provisioner is not None and km.provisioner.process is not None:
                km.provisioner.process.kill()
        except OSError:
            pass


def setup_code(notebook: str | Path = REPORT_NOTEBOOK) -> str:
    """The code of the notebook's cells before its ``parameters`` cell: what warms a kernel.

    Args:
        notebook: The report notebook.

    Returns:
        The cells' sources joined (for report.ipynb: ``from storemon.analysis import reading``).
    """
    cells = read_json(Path(notebook))["cells"]
    before = []
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            break
        if cell["cell_type"] == "code":
            before.append("".join(cell["source"]))
    return "\n".join(before)
