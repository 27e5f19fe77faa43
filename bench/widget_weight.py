"""What a data grid or an interactive chart library would cost the dashboard, measured.

In one run, on the 1x demo fleet (``data/bench/1x``, generated and ingested when missing), with
one complete report served by the API:

- page weight (bytes and responses of a first visit, empty cache) and open -> headline of the
  dashboard, served by Voilà from this environment, then from a throwaway copy of it with
  ipydatagrid, plotly and itables installed (``--venv``, built when missing, our constraints
  plus the newest of those three): does merely installing them weigh on every page?
- what a data grid would send the page for the store table: the state of
  ``ipydatagrid.DataGrid(table)`` (JSON plus its binary buffers, as ipywidgets sends them), and
  itables' HTML (its rows as JSON, all of them, and its DataTables bundle inlined for offline
  use), against the HTML of one 25-row page of storemon's table (``storemon.dashboard.table``),
  for the report's 14,092 stores and for 10 copies of it (new ids, 140,920 stores).

Usage: ``python bench/widget_weight.py [--venv DIR] [--markdown docs/performance.md]``; with
``--markdown`` the table is written into that page's block ``<!-- bench:widgets -->``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark import BENCH_DATA, REAL_STORES, ROOT, run_phase  # noqa: E402
from dashboard_bench import _api, _complete_report, _visit  # noqa: E402
from kept import is_current  # noqa: E402
from tables import command_line, machine, write_block  # noqa: E402

LIBRARIES = ("ipydatagrid", "plotly", "itables")
# Voilà on the dashboard, started by the given Python (so from its environment); stopped when
# its standard input closes.
DASHBOARD = (
    "import sys; from storemon.service.voila import KernelLimits, start_dashboard, "
    "stop_dashboard\n"
    "voila = start_dashboard(sys.argv[1], port=int(sys.argv[2]), log=sys.stderr.fileno(), "
    "limits=KernelLimits(max_kernels=0))\n"
    "print('ready', flush=True)\nsys.stdin.read()\nstop_dashboard(voila)\n"
)
# What each table would send the page, computed in the environment that has the libraries.
PAYLOAD = """
import json, sys
from pathlib import Path
import pandas as pd
import itables
from ipydatagrid import DataGrid
from ipywidgets.widgets.widget import _remove_buffers
from itables.javascript import generate_init_offline_itables_html
from storemon.dashboard.table import page_of, read_report_csv, store_table, table_html

report = read_report_csv(Path(sys.argv[1]).read_bytes())
copies = [report.assign(store_id=report["store_id"] + f"-{n}") for n in range(10)]
bundle = Path(itables.__file__).parent / "html" / "dt_bundle.js"
figures = {"itables_bundle": len(generate_init_offline_itables_html(bundle).encode())}
for name, frame in (("1x", report), ("10x", pd.concat(copies, ignore_index=True))):
    table = store_table(frame)
    page = page_of(table, 0, 25, len(table))
    state, _, buffers = _remove_buffers(DataGrid(table).get_state())
    html = itables.to_html_datatable(table, maxBytes=0)
    figures[name] = {
        "stores": len(table),
        "ours": len(table_html(page.rows).encode()),
        "datagrid": len(json.dumps(state).encode()) + sum(len(b) for b in buffers),
        "itables": len(html.encode()),
    }
print(json.dumps(figures))
"""


def widgets_venv(venv: Path) -> Path:
    """A copy of this environment plus the widget libraries (built when missing); its Python."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        # editable: the dashboard served is this checkout's, as in the first measurement
        constraints = str(ROOT / "constraints.txt")
        subprocess.run([*pip, "-c", constraints, "-e", str(ROOT), *LIBRARIES], check=True)
    return python


def first_visits(python: str, api_url: str, browser, repeat: int) -> list[dict]:
    """Voilà from ``python``'s environment; one untimed visit, then ``repeat`` first visits.

    Each visit's figures hold ``extensions``: the bytes of each JupyterLab extension's files.
    """
    from live_servers import free_port

    port = free_port()
    voila = subprocess.Popen(
        [python, "-c", DASHBOARD, api_url, str(port)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    visits = []
    try:
        if voila.stdout.readline().strip() != "ready":
            raise SystemExit(f"the dashboard did not start with {python}")
        url = f"http://127.0.0.1:{port}/"
        _visit(browser, url, cache=False)  # Voilà's first page compiles its templates
        for _ in range(repeat):
            files: list[tuple[str, int]] = []
            figures = _visit(browser, url, cache=False, files=files)
            figures["extensions"] = _by_extension(files)
            visits.append(figures)
    finally:
        voila.stdin.close()
        voila.wait(60)
    return visits


def _by_extension(files: list[tuple[str, int]]) -> dict[str, int]:
    """Bytes per JupyterLab extension (``.../labextensions/NAME/...``, scoped names whole)."""
    sizes: dict[str, int] = {}
    for url, size in files:
        if "/labextensions/" in url:
            parts = url.split("/labextensions/", 1)[1].split("/")
            name = "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]
            sizes[name] = sizes.get(name, 0) + size
    return sizes


def measure(venv: Path, repeat: int) -> dict:
    """Both first visits and the grids' payloads, in one run."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser_kit import CHROMIUM, CHROMIUM_ARGS
    from live_servers import free_port

    out, database = BENCH_DATA / "1x", BENCH_DATA / "1x-dashboard.duckdb"
    if not (out / "store_status.csv").exists():
        run_phase("generate", out=str(out), stores=REAL_STORES)
    if not is_current(database):
        run_phase("ingest", out=str(out), database=str(database))
    python = str(widgets_venv(venv))
    work = BENCH_DATA / "widgets"
    shutil.rmtree(work, ignore_errors=True)
    port = free_port()
    api = _api(str(database), work / "reports", port)
    api_url = f"http://127.0.0.1:{port}"
    try:
        report_id = _complete_report(api_url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            visits = {
                "ours": first_visits(sys.executable, api_url, browser, repeat),
                "with": first_visits(python, api_url, browser, repeat),
            }
            browser.close()
    finally:
        api.send_signal(signal.SIGTERM)
        api.wait(60)
    csv = work / "reports" / report_id / "report.csv"
    done = subprocess.run(
        [python, "-c", PAYLOAD, str(csv)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {"visits": visits, "payload": json.loads(done.stdout.strip().splitlines()[-1])}


def render(figures: dict) -> str:
    """Two Markdown tables: the page served, and what each table would send it."""
    ours, with_ = figures["visits"]["ours"], figures["visits"]["with"]
    lines = [
        "| dashboard, first visit (Chromium 1400 x 900) | this environment "
        "| with ipydatagrid, plotly, itables installed |",
        "|---|---|---|",
    ]

    def line(label: str, cell) -> None:
        lines.append(f"| {label} | {cell(ours)} | {cell(with_)} |")

    def mib(size: float) -> str:
        return f"{size / 2**20:.2f} MiB"

    # bytes and responses are the same on every visit to one server; times are each visit's
    line("page weight", lambda v: mib(v[0]["bytes"]))
    line("responses", lambda v: str(v[0]["requests"]))
    for name in sorted(with_[0]["extensions"], key=lambda n: -with_[0]["extensions"][n]):
        line(f"of which `{name}`", lambda v, n=name: mib(v[0]["extensions"].get(n, 0)))
    for key, label in (("headline", "open -> headline"), ("table", "open -> table and charts")):
        line(label, lambda v, k=key: ", ".join(f"{visit[k]:.2f}" for visit in v) + " s")
    lines += [
        "",
        "| the store table sent to the page | 14,092 stores | 140,920 stores |",
        "|---|---|---|",
    ]
    payload = figures["payload"]

    for key, label in (
        ("ours", "storemon's table, one page of 25 rows (HTML)"),
        ("datagrid", "ipydatagrid `DataGrid`, widget state (every row)"),
        ("itables", "itables HTML, every row (`maxBytes=0`)"),
    ):
        cells = " | ".join(f"{payload[s][key] / 2**10:,.0f} KiB" for s in ("1x", "10x"))
        lines.append(f"| {label} | {cells} |")
    bundle = payload["itables_bundle"] / 2**10
    lines.append(f"| itables' DataTables bundle, inlined offline | {bundle:,.0f} KiB | same |")
    lines.append("")
    repeat = len(ours)
    lines.append(f"One untimed visit, then {repeat} timed, per environment; 2 cores shared.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure, print the tables (and write them with --markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=BENCH_DATA / "widgets-venv")
    parser.add_argument("--repeat", type=int, default=2, help="first visits timed")
    parser.add_argument("--markdown", type=Path, metavar="PAGE")
    args = parser.parse_args(argv)
    BENCH_DATA.mkdir(parents=True, exist_ok=True)
    figures = measure(args.venv, args.repeat)
    (BENCH_DATA / "widgets" / "figures.json").write_text(json.dumps(figures, indent=1))
    table = render(figures)
    where = machine()
    print(f"machine: {where}")
    print(table)
    if args.markdown is not None:
        write_block(args.markdown, "widgets", table, command_line(), where)
        print(f"written into {args.markdown} (block widgets)", file=sys.stderr)


if __name__ == "__main__":
    main()
