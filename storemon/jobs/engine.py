"""A papermill engine that runs a notebook on a kernel that is already running (a pooled one).

papermill passes every keyword it does not know to its engine; the stock ``nbclient`` engine
already hands a ``km`` on to nbclient, which then runs on that manager's kernel and leaves it
running. What it does not do is close the kernel client nbclient opened on it (nbclient only
closes clients of kernels it started), which in a long-lived runner would leave a heartbeat
thread and sockets behind per report. :class:`PooledEngine` is the stock engine plus that
clean-up; the kernel itself is shut down by its :class:`storemon.jobs.pool.KernelPool`.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "storemon-pooled"
READY_SECONDS = 1.0  # a kernel_info answer or its IOPub status not seen by then: ask again


class PooledKernelClient(AsyncKernelClient):
    """The client nbclient opens on a pooled kernel, ready as soon as the kernel is heard.

    jupyter_client's ``wait_for_ready``, once the kernel answered ``kernel_info`` on both the
    shell and IOPub channels, goes on reading IOPub until it has been quiet for 0.2 s: a fixed
    0.2 s per report. nbclient reads only the IOPub messages of the cell it runs (by parent
    id), so here the client is ready once both channels carried the answer to its request (IOPub
    being connected is what matters: a message published before it was would be lost).
    """

    async def _ready(self, timeout: float | None = None) -> None:
        """Ask ``kernel_info`` until the answer is heard on shell and IOPub (or ``timeout``)."""
        deadline = time.monotonic() + (timeout or float("inf"))
        while time.monotonic() < deadline:
            if await self._heard(self.kernel_info(), deadline):
                return
            if not await self._async_is_alive():
                raise RuntimeError("the kernel died before it answered kernel_info")
        raise RuntimeError(f"the kernel did not answer kernel_info within {timeout} s")

    async def _heard(self, msg_id: str, deadline: float) -> bool:
        """Whether a reply to ``msg_id`` came on the shell channel, then a message on IOPub."""
        for channel in (self.shell_channel, self.iopub_channel):
            while True:
                left = min(READY_SECONDS, deadline - time.monotonic())
                try:
                    msg = await channel.get_msg(timeout=max(left, 0.0))
                except Empty:
                    return False
                if msg["parent_header"].get("msg_id") == msg_id:
                    if channel is self.shell_channel:
                        self._handle_kernel_info_reply(msg)
                    break
        return True

    wait_for_ready = _ready


class PooledEngine(NBClientEngine):
    """papermill's nbclient engine on a given kernel manager (``km=``), closing its client."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Execute the notebook on the kernel of ``kwargs["km"]`` (see papermill's engine).

        Args:
            nb_man: papermill's notebook execution manager.
            kernel_name: The kernel spec's name (recorded in the notebook).
            log_output: Whether papermill logs the cells' outputs.
            stdout_file: Where papermill copies the cells' stdout.
            stderr_file: Where papermill copies the cells' stderr.
            start_timeout: Seconds the kernel client waits for the kernel.
            execution_timeout: Seconds a cell may run.
            **kwargs: ``km`` (required) and the other options of ``NotebookClient``.

        Returns:
            The executed notebook.
        """
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = PapermillNotebookClient(
            nb_man,
            **merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            ),
        )
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE_NAME, PooledEngine)
