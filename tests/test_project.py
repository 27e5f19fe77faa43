"""The project's own rules: environments in step, notebooks without outputs, thin notebooks,
and a repository that stands alone (no reference to files outside it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
# Only the tests of the real data samples may name the folder beside the checkout that holds them.
OUTSIDE_REFERENCES = ("SPEC.md", "STYLE.md", "../shared")
MAY_REFER_OUTSIDE = {"tests/test_real_data.py", "tests/conftest.py", "tests/test_project.py"}


def test_environment_yml_wraps_pyproject_and_the_lock():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = [], []
    for entry in environment["dependencies"]:
        (pip.extend(entry["pip"]) if isinstance(entry, dict) else conda.append(entry))
    # pyproject.toml is the one dependency list; conda brings python and pip, pip the project
    # with the versions the tests passed with
    assert pip == ["-c constraints.txt", '-e ".[dev]"']
    assert sorted(c.split("=")[0] for c in conda) == ["pip", "python"]
    # conda's Python is the one the lock was resolved for (`make lock`)
    lock_python = re.search(r"^LOCK_PYTHON := (\S+)$", MAKEFILE, re.MULTILINE).group(1)
    assert f"python={lock_python}" in conda


def test_the_lock_pins_every_dependency_within_its_range():
    """constraints.txt pins each requirement of pyproject.toml (extras too) inside its range."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = dict(
        re.findall(r"^([A-Za-z0-9._-]+)==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M)
    )
    pins = {canonicalize_name(name): version for name, version in pins.items()}
    wanted = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    for requirement in map(Requirement, wanted):
        name = canonicalize_name(requirement.name)
        if name == "storemon":  # the dev extra names the test extra
            continue
        assert name in pins, f"{name} is not in constraints.txt: run make lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]}: make lock"
    # the targets that install read the lock
    assert "pip install -q -c $(LOCK) -e" in MAKEFILE and "LOCK := constraints.txt" in MAKEFILE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path: Path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert not re.search(r"^\s*(def|class) ", source, re.MULTILINE)
    assert not re.search(r"\b(select|insert|create)\s+.*\b(from|into|table)\b", source, re.I)
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


def test_repository_refers_to_nothing_outside_it():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    offenders = []
    for name in filter(None, (n.decode() for n in tracked)):
        path = ROOT / name
        if name in MAY_REFER_OUTSIDE or not path.is_file() or path.is_symlink():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        offenders += [
            f"{name}:{number}: {line.strip()[:90]}"
            for number, line in enumerate(text.splitlines(), 1)
            if any(reference in line for reference in OUTSIDE_REFERENCES)
        ]
    if offenders:
        pytest.fail(
            "the repository must stand alone (the report rules are docs/report.md):\n"
            + "\n".join(offenders),
            pytrace=False,
        )
