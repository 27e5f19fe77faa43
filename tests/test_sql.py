"""Every SQL file: documented, declared in the chain, run, reading only what earlier steps made;
and its tables keep their grain (unique, non-null keys)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from storemon.engine import db, pipeline
from storemon.engine.report import prepare_report

SQL_DIR = Path(str(resources.files("storemon.engine").joinpath("sql")))
SQL_FILES = sorted(SQL_DIR.rglob("*.sql"))
PACKAGE = Path(str(resources.files("storemon")))
REPORT_HEADER = (  # docs/report.md, "Output"
    "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
    "downtime_last_hour,downtime_last_day,downtime_last_week"
)
DECLARED = [(stage.name, step) for stage in pipeline.STAGES for step in stage.steps]


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.stem)
def test_sql_file_has_header_with_purpose_grain_and_params(path: Path):
    head = path.read_text(encoding="utf-8").splitlines()[:8]
    assert head[0].startswith(f"-- {path.stem}: "), "first line names the query and its purpose"
    assert any(line.startswith("-- grain: ") for line in head)
    assert any(line.startswith("-- params: ") for line in head)


def test_every_file_is_declared_once_in_its_stage_folder():
    files = {(p.parent.name, p.stem) for p in SQL_FILES}
    declared = {(pipeline.folder_of(step.name), step.name) for _, step in DECLARED}
    assert files == declared
    assert len({p.stem for p in SQL_FILES}) == len(SQL_FILES), "file stems are unique"


def _code(text: str) -> str:
    """SQL without its comments, lower case."""
    return re.sub(r"--[^\n]*", "", text).lower()


MAKES = re.compile(
    r"create\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?(?:table|view|macro)\s+"
    r"(?:if\s+not\s+exists\s+)?([a-z_]\w*)"
    r"|alter\s+table\s+[a-z_]\w*\s+rename\s+to\s+([a-z_]\w*)"
)


@pytest.mark.parametrize(("stage", "step"), DECLARED, ids=lambda x: getattr(x, "name", x))
def test_step_makes_what_it_declares(stage: str, step: pipeline.Step):
    made = {
        name for names in MAKES.findall(_code(db.load_sql(step.name))) for name in names if name
    }
    assert made == set(step.makes)


def test_a_relation_has_one_maker_unless_declared_shared():
    makers: dict[str, set[str]] = {}
    for _, step in DECLARED:
        for relation in step.makes:
            makers.setdefault(relation, set()).add(step.name)
    shared = {r: m for r, m in makers.items() if len(m) > 1 or r in pipeline.SHARED_RELATIONS}
    assert {r: set(m) for r, m in pipeline.SHARED_RELATIONS.items()} == shared


def relations_read(sql: str, known: set[str]) -> set[str]:
    """The relations a SQL text reads or writes into: names after from/join/into/update, less its
    own CTEs, plus calls of known table macros (merge_spans)."""
    code = _code(sql)
    ctes = set(re.findall(r"\b([a-z_]\w*)\s+as\s*\(", code))
    read = set()
    for name, call in re.findall(r"\b(?:from|join|into)\s+([a-z_]\w*)(\s*\()?", code):
        if call and name not in known:
            continue  # a table function of DuckDB's: read_csv, range, pg_timezone_names...
        if name not in ctes:
            read.add(name)
    return read


def chain_problems(steps: list[pipeline.Step]) -> list[str]:
    """Steps (in run order) that read a relation no earlier step made."""
    known = {r for step in steps for r in step.makes}
    made = set(pipeline.EXTERNAL_RELATIONS)
    problems = []
    for step in steps:
        sql = db.load_sql(step.name)
        if step.name == "merge_spans":
            sql = sql.replace("query_table(spans)", "spans_given")  # its argument
            made.add("spans_given")
        missing = relations_read(sql, known) - made - set(step.makes)
        problems += [f"{step.name} reads {name} before it is made" for name in sorted(missing)]
        made |= set(step.makes)
    return problems


def test_each_step_reads_only_relations_made_by_earlier_steps():
    assert chain_problems([step for _, step in DECLARED]) == []


def test_each_staging_chain_reads_only_what_it_or_the_base_made():
    steps = {step.name: step for _, step in DECLARED}
    before = [*pipeline.MACROS.steps, *pipeline.BASE.steps]
    for chain in pipeline.STAGING_CHAINS.values():
        for scan in pipeline.SCAN_STEPS:  # a piece's lines are scanned one way or the other
            names = (scan, *chain)
            assert chain_problems(before + [steps[name] for name in names]) == [], names


def test_the_chain_check_catches_a_step_run_too_early():
    steps = [step for _, step in DECLARED]
    names = [step.name for step in steps]
    i, j = names.index("zone_segments"), names.index("derive_poll_instants")
    steps[i], steps[j] = steps[j], steps[i]
    assert "derive_poll_instants reads zone_segments before it is made" in chain_problems(steps)


def steps_run_by_the_package() -> set[str]:
    """Steps named in a db call of the package's code, or run as a stage, chain or merge."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    called = set(
        re.findall(
            r"(?:run_query|execute|load_sql|fetch_row|write_parquet)"
            r"\(\s*(?:[\w.]+,\s*)?[\"']([a-z_]+)[\"']",
            code,
        )
    )
    for stage in re.findall(r"run_stage\(\s*[\w.]+,\s*[\"']([a-z_]+)[\"']", code):
        called |= {step.name for step in pipeline.stage(stage).steps}
    for chain in pipeline.STAGING_CHAINS.values():
        called |= set(chain)
    called |= set(pipeline.SCAN_STEPS)
    called |= set(pipeline.MERGE_STEPS.values())
    for sequence in pipeline.SEQUENCES:
        called |= set(sequence)
    return called | {step.name for step in pipeline.MACROS.steps}


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.stem)
def test_sql_file_is_run_by_the_package(path: Path):
    assert path.stem in steps_run_by_the_package(), f"{path.name} is never run"


@pytest.fixture
def prepared(loaded_2023):
    con, _ = loaded_2023
    prepare_report(con, None, "nearest")
    return con


GRAINS = {
    "stores": ["store_key"],
    "store_zones": ["store_key"],
    "poll_instants": ["store_key", "t_us"],
    "zone_segments": ["zone", "seg_lo"],
    "report_polls": ["store_key", "t_us"],
    "report_outages": ["store_key", "run_lo_hus"],
    "report_business_spans": ["store_key", "lo_hus"],
    "timezones": ["store_id"],
}


@pytest.mark.parametrize(("table", "keys"), GRAINS.items(), ids=list(GRAINS))
def test_grain_keys_are_unique_and_not_null(prepared, table, keys):
    frame = prepared.execute(f"select * from {table}").df()  # noqa: S608 - fixed names
    assert len(frame) > 0
    assert frame[keys].notna().all().all()
    assert not frame.duplicated(keys).any()


def test_spans_are_ordered_and_disjoint(prepared):
    for table, lo, hi in (
        ("report_business_spans", "lo_hus", "hi_hus"),
        ("report_outages", "run_lo_hus", "run_hi_hus"),
        ("zone_segments", "seg_lo", "seg_hi"),
    ):
        key = "zone" if table == "zone_segments" else "store_key"
        frame = prepared.execute(f"select * from {table}").df().sort_values([key, lo])
        assert (frame[lo] < frame[hi]).all(), table
        for _, group in frame.groupby(key):
            assert (group[lo].iloc[1:].to_numpy() >= group[hi].iloc[:-1].to_numpy()).all()


def test_zone_segments_tile_the_time_line(prepared):
    segments = prepared.execute("select * from zone_segments order by zone, seg_lo").df()
    for _, group in segments.groupby("zone"):
        assert group["seg_lo"].iloc[0] == -(2**62) and group["seg_hi"].iloc[-1] == 2**62
        assert (group["seg_lo"].iloc[1:].to_numpy() == group["seg_hi"].iloc[:-1].to_numpy()).all()


def test_store_report_columns_and_order(prepared):
    report = db.run_query(prepared, "store_report")
    assert ",".join(report.columns) == REPORT_HEADER
    assert report["store_id"].is_unique and report["store_id"].notna().all()
    assert list(report["store_id"]) == sorted(report["store_id"])
