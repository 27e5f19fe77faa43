"""The docs as tests: the examples of README.md and docs/api.md run as a reader pastes them.

sybil reads each page's Markdown. A ```console block is a terminal transcript that prysk runs:
its ``$`` lines (``>`` continues one) go to one bash, one after the other, and what they print
must be what the block shows below them, a ``...`` standing for any text (an id, an instant, a
path); a blank line before a ``$`` line only separates commands. A ```python block runs in the
test's process. A page's blocks run in order, as pasted into one terminal: a shell variable set
in one block (``REPORT_ID=$(...)``) is there in the next.

They run against what ``make demo`` then ``make serve`` give a reader: the demo fleet (pinned to
PINNED_END here, so its numbers do not move) in the storemon home's ``data/storemon.duckdb``,
and one API server on 127.0.0.1. The docs name port 8000, ``make serve``'s; the test's server
has a free port, and every ``127.0.0.1:8000`` of a block is read as its address. A block that a
reader cannot paste there (``make demo``, ``make serve``) says so in the page with
``<!-- skip: next "why" -->``; a ```bash or ```sh block fails the test: write it as a transcript
so that it runs. A section added to a page is run with the rest, with nothing to register.
"""

from __future__ import annotations

import os
import re
import sys
import unittest
from pathlib import Path

import pytest
from live_servers import api_server
from prysk.test import test as run_transcript
from sybil import Example, Sybil
from sybil.evaluators.skip import Skipper
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser

from storemon.engine.ingest import ingest
from storemon.synthetic.generate import PINNED_END, generate

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/api.md"]
DOCS_ADDRESS = "127.0.0.1:8000"  # where the docs' server listens: `make serve`'s API

pytestmark = pytest.mark.slow


class Terminal:
    """One terminal a reader pastes a page's console blocks into, block after block.

    Each block is a prysk transcript run by bash in the storemon home. Variables carry over:
    bash exports every variable assigned (``set -a``) and the block ends by saving them, which
    the next block reads first.
    """

    def __init__(self, home: Path, address: str, env: dict[str, str]) -> None:
        self.home, self.address, self.env = home, address, env
        self.saved = home / ".terminal-variables"

    def __call__(self, example: Example) -> str | None:
        """Run a console block; say what it printed when that is not what the block shows."""
        source = example.parsed.replace(DOCS_ADDRESS, self.address)
        lines = [f"$ set -a; cd {self.home}; . {self.saved} 2>/dev/null || true"]
        lines += transcript(source)
        lines.append(f"$ export -p > {self.saved}")
        _, printed, diff = run_transcript(
            [f"{line}\n".encode() for line in lines],
            shell="/bin/bash",
            indent=0,
            env=self.env,
            dos2unix=True,
        )
        if not diff:
            return None
        session = b"".join(printed[1:-1]).decode(errors="replace")
        return (
            f"{example.path}, the block at line {example.line} printed other than it shows; "
            f"what the terminal shows:\n{session}".replace(self.address, DOCS_ADDRESS)
        )


def transcript(block: str) -> list[str]:
    """A console block as prysk's transcript, each output line a pattern (prysk's ``(re)``).

    ``...`` matches any text; a command's last line may lack its newline (curl's JSON does:
    a terminal shows the prompt after it, the docs show it on a line of its own).
    """
    lines = block.splitlines()
    kept = []
    for number, line in enumerate(lines):
        if not line.strip():
            following = next((later for later in lines[number + 1 :] if later.strip()), "$ ")
            if following.startswith("$ "):
                continue  # a blank line between two commands
        if line.startswith(("$ ", "> ")):
            kept.append(line)
        else:
            pattern = ".*".join(re.escape(part) for part in line.split("..."))
            kept.append(f"{pattern}(?: \\(no-eol\\))? (re)")
    return kept


def run_console(example: Example) -> str | None:
    """Sybil's evaluator of ```console blocks: the page's terminal runs them."""
    return example.namespace["terminal"](example)


def refuse(example: Example) -> str:
    """Sybil's evaluator of ```bash and ```sh blocks: they cannot be checked."""
    return (
        f"{example.path}, line {example.line}: write this block as a ```console transcript "
        "(`$ ` before each command, then what it prints) so that it runs as a test"
    )


SYBIL = Sybil(
    parsers=[
        SkipParser(),
        CodeBlockParser(language="console", evaluator=run_console),
        PythonCodeBlockParser(),
        *(CodeBlockParser(language=shell, evaluator=refuse) for shell in ("bash", "sh", "shell")),
    ]
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A storemon home as `make demo` leaves it (its fleet pinned): data/storemon.duckdb."""
    home = tmp_path_factory.mktemp("home")
    generate(home / "data" / "raw", end=PINNED_END)
    ingest(home / "data" / "raw", home / "data" / "storemon.duckdb")
    return home


@pytest.fixture(scope="module")
def server(home: Path):
    """The API server `make serve` starts, on a free port of 127.0.0.1."""
    with api_server(home / "data" / "storemon.duckdb", home / "reports") as url:
        yield url


@pytest.mark.parametrize("page", PAGES)
def test_every_example_of_the_page_runs_and_prints_what_it_shows(
    page: str, home: Path, server: str, monkeypatch: pytest.MonkeyPatch
):
    env = {key: value for key, value in os.environ.items() if not key.startswith("STOREMON_")}
    env["STOREMON_HOME"] = str(home)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    document = SYBIL.parse(ROOT / page)
    document.namespace["terminal"] = Terminal(home, server.removeprefix("http://"), env)
    monkeypatch.chdir(home)  # python blocks read data/storemon.duckdb as a reader's would
    ran, skipped = 0, []
    for example in document:
        try:
            example.evaluate()
        except unittest.SkipTest as skip:
            skipped.append(f"line {example.line}: {skip}")
            continue
        ran += not isinstance(example.region.evaluator, Skipper)  # a block, not a directive
    print(f"{page}: {ran} examples ran; skipped: {skipped}")
    assert ran >= 3
