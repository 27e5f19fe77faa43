"""The benchmark writes the tables of docs/performance.md itself (bench/tables.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import benchmark  # noqa: E402
from tables import command_line, machine, write_block  # noqa: E402

PAGE = ROOT / "docs" / "performance.md"
ROW = {
    "scale": 1, "stores": 14092, "polls": 1843829, "scan_s": 0.15, "ingest_s": 2.7,
    "floor_s": 0.9, "ingest_mib": 753.0, "report_db_s": 0.24, "report_db_mib": 225.0,
    "report_csv_s": 2.7,
    "report_csv_mib": 864.0, "brute_force_s": 371.0, "reading_s": 0.46, "reading_weeks_s": 0.57,
}  # fmt: skip


def test_a_measured_table_replaces_its_block_and_nothing_else(tmp_path: Path):
    page = tmp_path / "performance.md"
    page.write_text(
        "# Performance\n\nbefore\n\n<!-- bench:scales -->\nold figures\n<!-- /bench:scales -->\n"
        "\nafter\n<!-- bench:living -->\n<!-- /bench:living -->\n"
    )
    table = benchmark.render([ROW])
    command = command_line(["bench/benchmark.py", "--scales", "1", "--markdown", str(page)])
    for _ in range(2):  # written again, the page is the same
        write_block(page, "scales", table, command, "2 cores, 24 GiB")
        text = page.read_text()
        assert text == (
            "# Performance\n\nbefore\n\n<!-- bench:scales -->\n"
            f"Measured by `python bench/benchmark.py --scales 1 --markdown {page}` on 2 cores, "
            f"24 GiB:\n\n{table}\n<!-- /bench:scales -->\n"
            "\nafter\n<!-- bench:living -->\n<!-- /bench:living -->\n"
        )
    assert "| report from database | 0.24 s, 225 MiB |" in table
    assert "| speed-up of report (db) over brute force | 1,546x |" in table
    with pytest.raises(SystemExit, match="no block <!-- bench:latency -->"):
        write_block(page, "latency", table, command, "here")


def test_the_machine_is_named_in_one_line():
    where = machine()
    assert re.match(r"\d+ cores.*, \d+ GiB, \w+, Python 3\.\d+\.\d+, DuckDB \d", where)
    assert "\n" not in where


def test_performance_page_holds_every_table_make_bench_writes():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nbench: ")[1].split("\n\n")[0]
    script = r"bench/(?:benchmark|widget_weight)\.py"
    written = re.findall(rf"{script} (.*)--markdown docs/performance\.md", recipe)
    assert len(written) == 6
    text = PAGE.read_text()
    blocks = re.findall(r"<!-- bench:(\w+) -->", text)
    assert sorted(blocks) == ["dashboard", "latency", "living", "scales", "trend", "widgets"]
    for name in blocks:
        block = re.search(rf"<!-- bench:{name} -->\n(.*?)<!-- /bench:{name} -->", text, re.S)
        assert block, name
        # written by the benchmark: the command that measured it, the machine, a table
        assert re.match(rf"Measured by `python {script} ", block.group(1)), name
        assert "--markdown docs/performance.md` on " in block.group(1)
        assert "\n|---|" in block.group(1)
