"""A papermill engine that runs a notebook on a kernel that is already running (a pooled one).

papermill passes every keyword it does not know to its engine; the stock ``nbclient`` engine
already hands a ``km`` on to nbclient, which then runs on that manager's kernel and leaves it
running. What it does not do is close the kernel client nbclient opened on it (nbclient only
closes clients of kernels it started), which in a long-lived runner would leave a heartbeat
thread and sockets behind per report. :class:`PooledEngine` is the stock engine plus that
clean-up; the kernel itself is shut down by its :class:`storemon.jobs.pool.KernelPool`.
"""

from __future__ import annotations

from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "storemon-pooled"


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
