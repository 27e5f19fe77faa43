"""The warm kernel pool (issue 8): real runners, real kernels, real papermill, a real API server.

Every report runs on a kernel started before it was triggered; a pooled kernel that dies or
stops answering is replaced; stopping the server leaves no kernel behind; the CSV and the
Complete record come before the HTML copy.
"""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest
from jobkit import alive, children
from live_servers import running_server, wait_for

from storemon import jobs
from storemon.jobs import runner
from storemon.jobs.kernel import WarmKernel, answers
from storemon.jobs.manager import SPARE_RUNNERS
from storemon.jobs.pool import KernelPool
from storemon.jobs.process import can_raise_priority
from storemon.jobs.publish import TAIL_NICENESS, Publisher
from storemon.service.app import create_app

pytestmark = pytest.mark.slow


def complete(client: httpx.Client, report_id: str, timeout: float = 240) -> dict:
    """Poll ``/get_report`` (JSON) until the report is no longer Running."""
    return wait_for(
        lambda: (
            (
                body := client.get(
                    "/get_report",
                    params={"report_id": report_id},
                    headers={"Accept": "application/json"},
                ).json()
            )["status"]
            != "Running"
            and body
        ),
        timeout,
        f"report {report_id}",
    )


def kernels_of(app) -> list[int]:
    """The kernel processes of the app's runners (idle, warming or running a report)."""
    return [pid for runner_pid in app.state.jobs.runner_pids() for pid in children(runner_pid)]


def imported(pid: int) -> bool:
    """Whether a kernel has loaded DuckDB (its set-up, the notebook's imports, ran)."""
    try:
        return "duckdb" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def one_warm_kernel(app) -> int:
    """Wait until the single runner of ``app`` has one kernel with its imports done."""
    pid = wait_for(lambda: len(k := kernels_of(app)) == 1 and k[0], 120, "a pooled kernel")
    wait_for(lambda: imported(pid), 120, "the kernel's imports")
    time.sleep(2)  # its set-up cell has answered: the kernel is idle in the pool
    return pid


def served(client: httpx.Client, report_id: str) -> dict:
    """What the API serves for a report now: ``json`` (its record) and ``csv`` (the response)."""
    return {
        "json": client.get(
            "/get_report", params={"report_id": report_id}, headers={"Accept": "application/json"}
        ).json(),
        "csv": client.get("/get_report", params={"report_id": report_id}),
    }


def run_one(client: httpx.Client, expected: bytes) -> dict:
    body = complete(client, client.post("/trigger_report").json()["report_id"])
    assert body["status"] == "Complete", body
    assert client.get(body["csv_url"]).content == expected
    return body


def test_a_killed_idle_kernel_is_replaced(database: Path, expected: bytes, tmp_path: Path) -> None:
    app = create_app(database, tmp_path / "reports", workers=1, kernel_pool=1)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        killed = one_warm_kernel(app)
        os.kill(killed, signal.SIGKILL)
        replacement = wait_for(
            lambda: (k := kernels_of(app)) and killed not in k and k[0], 120, "a new kernel"
        )
        assert not alive(killed)
        run_one(client, expected)
        # The report ran on the replacement, started before it was triggered, and discarded it.
        assert wait_for(lambda: not alive(replacement), 30, "the used kernel to go")


def test_a_stuck_idle_kernel_is_replaced(database: Path, expected: bytes, tmp_path: Path) -> None:
    app = create_app(database, tmp_path / "reports", workers=1, kernel_pool=1)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        stuck = one_warm_kernel(app)
        os.kill(stuck, signal.SIGSTOP)  # alive, but answers nothing
        try:
            run_one(client, expected)
            assert wait_for(lambda: not alive(stuck), 30, "the stuck kernel to be killed")
        finally:
            if alive(stuck):
                os.kill(stuck, signal.SIGKILL)


def test_ten_concurrent_triggers_and_a_clean_stop(
    database: Path, expected: bytes, tmp_path: Path
) -> None:
    app = create_app(database, tmp_path / "reports", workers=2, kernel_pool=2)
    seen: set[int] = set()
    with running_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        with ThreadPoolExecutor(10) as threads:
            ids = list(
                threads.map(
                    lambda _: client.post("/trigger_report").json()["report_id"], range(10)
                )
            )
        runners = app.state.jobs.runner_pids()
        assert len(runners) in (3, 2 + SPARE_RUNNERS)  # the spares past one: after a report
        bodies = []
        for report_id in ids:
            seen.update(kernels_of(app))
            bodies.append(complete(client, report_id, timeout=400))
        assert [b["status"] for b in bodies] == ["Complete"] * 10, bodies
        runners = app.state.jobs.runner_pids()
        assert len(runners) == 2 + SPARE_RUNNERS  # 2 compute, the spares take reports' tails
        assert {client.get(b["csv_url"]).content for b in bodies} == {expected}
        seen.update(wait_for(lambda: len(k := kernels_of(app)) == 2 and k, 120, "a full pool"))
        # A report is stopped in the middle, with the pool warm: nothing may be left behind.
        client.post("/trigger_report")
        seen.update(kernels_of(app))
    assert len(seen) >= 2
    assert wait_for(lambda: not any(map(alive, [*runners, *seen])), 30, "no kernel left")


def test_spares_start_after_a_report_in_the_background_and_take_reports(
    database: Path, expected: bytes, tmp_path: Path
) -> None:
    """A new server starts 3 runners; the other spares once a report is Complete, at the
    lowest priority with their kernels until their first report, which runs at full priority."""
    app = create_app(database, tmp_path / "reports", workers=2, kernel_pool=2 + SPARE_RUNNERS)
    background = can_raise_priority()  # else every runner starts at full priority
    with running_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        first = wait_for(lambda: len(k := kernels_of(app)) == 3 and k, 120, "3 kernels")
        wait_for(lambda: all(map(imported, first)), 120, "their imports")
        assert len(app.state.jobs.runner_pids()) == 3
        run_one(client, expected)
        runners = wait_for(
            lambda: len(r := app.state.jobs.runner_pids()) == 2 + SPARE_RUNNERS and r, 60, "spares"
        )
        spares = runners[app.state.jobs.first_runners :]  # started last, in order
        spare_kernels = wait_for(
            lambda: all(children(p) for p in spares) and [k for p in spares for k in children(p)],
            60,
            "the spares' kernels",
        )
        if background:
            for pid in [*spares, *spare_kernels]:
                assert os.getpriority(os.PRIO_PROCESS, pid) == TAIL_NICENESS, pid
        for _ in range(8):  # back to back, until a spare runs one (the next waiter takes it)
            body = run_one(client, expected)
            record = tmp_path / "reports" / body["report_id"] / jobs.STATUS_FILE
            runner_pid = json.loads(record.read_text())["runner"]["pid"]
            if runner_pid in spares:
                break
        else:
            raise AssertionError(f"no spare ran a report: {runners}, spares {spares}")
        if background:
            assert os.getpriority(os.PRIO_PROCESS, runner_pid) == 0  # its first report: full


def test_complete_and_csv_come_before_the_html(
    database: Path, expected: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTML step, made observable: while it runs, the API already serves the report."""
    reports = tmp_path / "reports"
    seen = {}
    write_html = runner.write_html

    with running_server(create_app(database, reports, workers=1, kernel_pool=0)) as url:
        with httpx.Client(base_url=url, timeout=30) as client:

            def observed_write_html(job_dir: Path) -> None:
                report_id = job_dir.name
                seen.update(served(client, report_id))
                seen["html"] = client.get(f"/reports/{report_id}/report.html")
                seen["html_file"] = (job_dir / jobs.HTML_FILE).exists()
                write_html(job_dir)

            monkeypatch.setattr(runner, "write_html", observed_write_html)
            job = jobs.create_job(reports, database)
            record = runner.execute_job(reports / job.report_id)
            after = client.get(
                "/get_report",
                params={"report_id": job.report_id},
                headers={"Accept": "application/json"},
            ).json()
            html = client.get(after["html_url"])

    assert seen["json"]["status"] == "Complete" and seen["json"]["html_ready"] is False
    assert seen["json"]["html_url"] is None and seen["json"]["stores"] == record.stores
    assert seen["csv"].content == expected
    assert seen["html"].status_code == 409 and "not written yet" in seen["html"].json()["detail"]
    assert seen["html_file"] is False
    assert record.html_ready is True and after["html_ready"] is True
    assert html.status_code == 200 and "Fleet uptime" in html.text


def test_complete_and_csv_come_before_the_data_quality_cell(
    database: Path, expected: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cells after the CSV, made observable: while they run, the API serves the report."""
    reports = tmp_path / "reports"
    seen = {}
    cell_started = Publisher.cell_started

    with running_server(create_app(database, reports, workers=1, kernel_pool=0)) as url:
        with httpx.Client(base_url=url, timeout=30) as client:

            def observed(self: Publisher, cell: dict, cell_index: int, **kwargs: object) -> None:
                if "".join(cell["source"]).startswith("result = reading.add_data_quality"):
                    seen.update(served(client, self.job_dir.name))
                    seen["notebook_done"] = (self.job_dir / jobs.NOTEBOOK_FILE).exists()
                    seen["kernel_nice"] = os.getpriority(os.PRIO_PROCESS, self.kernel_pid)
                cell_started(self, cell, cell_index, **kwargs)

            monkeypatch.setattr(Publisher, "cell_started", observed)
            job = jobs.create_job(reports, database)
            record = runner.execute_job(reports / job.report_id, tail_niceness=TAIL_NICENESS)
            html = client.get(f"/reports/{job.report_id}/report.html")

    assert seen["json"]["status"] == "Complete" and seen["json"]["html_ready"] is False
    assert seen["json"]["stores"] == record.stores and seen["csv"].content == expected
    assert seen["notebook_done"] is False  # papermill was still running the notebook
    assert seen["kernel_nice"] >= TAIL_NICENESS  # what is left yields the CPU
    # The cells after the CSV did run: the data-quality tables are in the kept notebook.
    assert record.html_ready is True and "Extrapolated time" in html.text
    cells = json.loads((reports / job.report_id / jobs.NOTEBOOK_FILE).read_text())["cells"]
    shown = {"".join(c["source"]): c.get("outputs") for c in cells if c["cell_type"] == "code"}
    for table in (
        "display.rejects(result.rejects)",
        "display.coverage(result.coverage)",
        "display.extrapolated(result.extrapolated)",
    ):
        assert shown[table] and "text/html" in shown[table][0]["data"], table


def test_refills_wait_while_held_but_never_starve_a_taker(tmp_path: Path) -> None:
    """A held pool starts no replacement, except for a caller of take() that would wait."""
    with KernelPool(1, cwd=tmp_path, check_every=0.1) as pool:
        wait_for(pool.idle_pids, 120, "the first kernel")
        pool.hold_refill()
        first = pool.take()
        time.sleep(3)  # unheld, the keeper would have started a replacement by now
        assert pool.idle_pids() == [] and len(pool.pids()) == 1
        second = pool.take()  # nothing idle: started for this caller despite the hold
        assert second is not first and len(pool.pids()) == 2
        pool.release_refill()
        wait_for(pool.idle_pids, 120, "the refill once released")
        pool.discard(first)
        pool.discard(second)


def test_replacements_warm_at_a_low_priority_and_run_at_full(tmp_path: Path) -> None:
    """A replacement kernel yields the CPU while it warms; the report it runs gets it back."""

    def niceness(pid: int) -> int:
        return os.getpriority(os.PRIO_PROCESS, pid)

    with KernelPool(1, cwd=tmp_path, check_every=0.1, warm_niceness=TAIL_NICENESS) as pool:
        first_pid = wait_for(lambda: pool.idle_pids() and pool.idle_pids()[0], 120, "a kernel")
        assert niceness(first_pid) == 0  # the pool's first kernels: nothing to yield to
        first = pool.take()
        replacement = wait_for(lambda: pool.idle_pids() and pool.idle_pids()[0], 120, "refill")
        if pool.warm_niceness:  # this process may give priority back: the refill yields
            assert niceness(replacement) == TAIL_NICENESS
        else:  # it may not: kernels are never niced, or reports would run niced
            assert niceness(replacement) == 0
        second = pool.take()
        assert niceness(replacement) == 0  # handed out: full priority for its report
        pool.discard(first)
        pool.discard(second)


def test_pooled_kernels_listen_on_no_tcp_port(tmp_path: Path) -> None:
    """Two pools filling at once: every kernel answers on sockets of its own, none on TCP.

    TCP kernels are given ports that were free a moment before they bind them, so two processes
    starting kernels together could be handed the same one (a CI run saw a kernel die with
    ``Address already in use``). Abstract Unix socket names unique per kernel cannot collide,
    and leave no file behind.
    """
    pools = [KernelPool(2, cwd=tmp_path, check_every=0.1) for _ in range(2)]
    try:
        for pool in pools:
            pool.start()
        for pool in pools:
            wait_for(lambda p=pool: len(p.idle_pids()) == 2, 180, "two warm kernels")
        pids = [pid for pool in pools for pid in pool.idle_pids()]
        channels = {}  # kernel -> the socket names it listens on
        for pid in pids:
            sockets = psutil.Process(pid).net_connections(kind="unix")
            channels[pid] = {s.laddr for s in sockets if s.laddr.startswith("@storemon-")}
            assert len(channels[pid]) == 5, channels[pid]  # shell, iopub, stdin, control, hb
        assert len(set().union(*channels.values())) == 20  # no two kernels share one
        kernels = [(pool, pool.take()) for pool in pools for _ in range(2)]
        for pool, km in kernels:
            assert answers(WarmKernel(km, km.provisioner.process.pid), 10)
            pool.discard(km)
    finally:
        for pool in pools:
            pool.close()
    assert not any(alive(pid) for pid in pids)
    assert list(tmp_path.iterdir()) == []  # no socket file in the kernels' folder
