"""The report notebook: its parameters, its thinness, a papermill run and the demo fallback."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest
from jobkit import expected_csv

from storemon.config import REPORT_NOTEBOOK
from storemon.synthetic import demo


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_one_typed_documented_parameters_cell_after_the_imports() -> None:
    notebook = nbformat.read(REPORT_NOTEBOOK, as_version=4)
    cells = code_cells(notebook)
    tagged = [i for i, cell in enumerate(cells) if "parameters" in cell.metadata.get("tags", [])]
    assert tagged == [1]
    assert cells[0].source.startswith(("import ", "from "))
    inferred = papermill.inspect_notebook(str(REPORT_NOTEBOOK))  # what --help-notebook shows
    assert list(inferred) == ["report_id", "source", "as_of", "method", "reports_dir"]
    for parameter in inferred.values():
        assert parameter["inferred_type_name"] == "str"
        assert parameter["help"], f"{parameter['name']} has no comment"
    assert json.loads(inferred["source"]["default"]) == "data/storemon.duckdb"
    assert json.loads(inferred["method"]["default"]) == "nearest"


def test_notebook_is_thin_and_committed_without_outputs() -> None:
    notebook = nbformat.read(REPORT_NOTEBOOK, as_version=4)
    for cell in code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None
        for banned in ("def ", "class ", "select ", "import duckdb"):
            assert banned not in cell.source.lower(), cell.source
        if "parameters" not in cell.metadata.get("tags", []):
            assert len(cell.source.splitlines()) == 1, "one call per cell"


@pytest.mark.slow
def test_papermill_run_with_other_parameters(database: Path, tmp_path: Path) -> None:
    parameters = {
        "report_id": "pm-test",
        "source": str(database),
        "as_of": "2024-11-04T06:30:00Z",
        "method": "carry_forward",
        "reports_dir": str(tmp_path / "reports"),
    }
    out = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(REPORT_NOTEBOOK), str(out), parameters=parameters, progress_bar=False
    )

    executed = nbformat.read(out, as_version=4)
    assert executed.metadata.papermill.parameters == parameters
    assert all(cell.metadata.papermill.status == "completed" for cell in executed.cells)
    csv_path = tmp_path / "reports" / "pm-test" / "report.csv"
    assert csv_path.read_bytes() == expected_csv(
        database, tmp_path, "2024-11-04T06:30:00Z", "carry_forward"
    )
    summary = json.loads((csv_path.parent / "summary.json").read_text())
    assert summary["now"] == "2024-11-04T06:30:00Z"
    assert summary["method"] == "carry_forward"
    assert summary["stores"] == len(csv_path.read_text().splitlines()) - 1
    assert summary["demo_data"] is False
    # the reading for people is there: every section printed a table
    shown = "\n".join(
        output.get("data", {}).get("text/html", "")
        for cell in code_cells(executed)
        for output in cell.outputs
    )
    for heading in ("uptime share (%)", "downtime last week (h)", "extrapolated (h)", "rank"):
        assert heading in shown
    # raw column names stay in the CSV; the reading has the dashboard's headline and no
    # empty table without a word
    for raw in ("uptime_share_pct", "stores_open", "downtime_last_week_h"):
        assert raw not in shown
    assert "Fleet uptime, last week" in shown and "Down all week" in shown
    assert "<tbody>\n</tbody>" not in shown


@pytest.mark.slow
def test_missing_default_database_falls_back_to_demo_data(tmp_path: Path) -> None:
    default = tmp_path / "data" / "storemon.duckdb"
    demo_dir = tmp_path / "data" / "demo"

    path, is_demo = demo.resolve_source(default, default=default, demo_dir=demo_dir)
    assert (path, is_demo) == (demo_dir, True)
    assert sorted(p.name for p in demo_dir.iterdir()) == [
        "menu_hours.csv",
        "store_status.csv",
        "timezones.csv",
    ]
    first = (demo_dir / "store_status.csv").read_bytes()
    assert demo.resolve_source(default, default=default, demo_dir=demo_dir) == (demo_dir, True)
    assert (demo_dir / "store_status.csv").read_bytes() == first  # made once, then reused

    # Another missing source is an error to report, not a reason to read demo data.
    other = tmp_path / "elsewhere.duckdb"
    assert demo.resolve_source(other, default=default, demo_dir=demo_dir) == (other, False)
    # Once the default database exists, it is read.
    default.write_bytes(b"")
    assert demo.resolve_source(default, default=default, demo_dir=demo_dir) == (default, False)
