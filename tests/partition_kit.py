"""A local Dask cluster for the partition tests, reached by its address like a remote one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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


def ingested_fleet(folder: Path, stores: int, seed: int, name: str = "storemon.duckdb") -> Path:
    """Generate ``stores`` stores over 8 days into ``folder/raw`` and ingest them; the database."""
    from storemon.engine.ingest import ingest
    from storemon.synthetic.generate import PINNED_END, generate

    generate(folder / "raw", stores=stores, days=8, seed=seed, end=PINNED_END)
    ingest(folder / "raw", folder / name)
    return folder / name
