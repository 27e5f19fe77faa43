"""A local Dask cluster for the partition tests, reached by its address like a remote one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_cluster(workers: int = 2) -> Iterator[str]:
    """Run a ``distributed.LocalCluster`` of worker processes on 127.0.0.1; yield its address."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster.scheduler_address
