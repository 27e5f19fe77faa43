"""What a load does with each file of a folder: skip, wait, load its new lines, or load it whole.

The registry is read once per load (:func:`storemon.engine.registry.known_files`), so a load of
a folder that holds thousands of drops costs one query, not one per file. Status files are
independent: each loads what is new in it. Business hours and time zones are snapshots, replaced
whole by the folder's files: when one of a snapshot's files is left out of a load (unreadable,
still being written, or refused), or is torn, the snapshot held is kept whole until every file
of it can load, and the load says so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from storemon.engine import registry
from storemon.engine.incremental import LoadOptions
from storemon.engine.sources import (
    KINDS,
    STATUS,
    FileError,
    SourceKind,
    column_positions,
)
from storemon.errors import StoremonError

Plan = tuple[SourceKind, registry.FilePlan, dict[str, int]]

_WHAT = {"menu_hours": "business hours", "timezones": "time zones"}


def load_clock(options: LoadOptions) -> datetime:
    """The load's clock as a naive UTC instant: the options' own, else the time now."""
    clock = options.clock or datetime.now(timezone.utc)
    return clock.astimezone(timezone.utc).replace(tzinfo=None) if clock.tzinfo else clock


def plan_files(
    known: dict[str, registry.Known],
    sources: dict[SourceKind, list[Path]],
    options: LoadOptions,
) -> tuple[list[Plan], list[str]]:
    """Plan every file of a folder (see the module docstring).

    Args:
        known: The registry (what earlier loads took of each file).
        sources: The folder's files of each kind.
        options: What to leave out, which files stopped changing, the clock.

    Returns:
        The plans, in kind order, and one line per snapshot kept because of a file left out.

    Raises:
        FileError: A file to load lacks a column, or disappeared while it was planned.
    """
    clock = load_clock(options)
    plans, notes = [], []
    for kind in KINDS:
        left_out = [p.name for p in sources[kind] if p.name in options.exclude]
        kind_plans = [
            (kind, _plan(known.get(p.name), p, options, clock), p)
            for p in sources[kind]
            if p.name not in options.exclude
        ]
        if kind is not STATUS:
            torn = [p.name for _, plan, p in kind_plans if plan.end < plan.size]
            refused = kind.name in options.keep_snapshots
            if left_out or torn or refused:
                kind_plans = [(k, replace(plan, action="wait"), p) for k, plan, p in kind_plans]
                notes.append(_kept(kind, left_out, torn, refused))
            elif _snapshot_changed(known, kind, kind_plans):
                kind_plans = [(k, _whole(known, plan, clock), p) for k, plan, p in kind_plans]
        for k, plan, path in kind_plans:
            loading = plan.action not in ("skip", "wait")
            try:
                positions = column_positions(path, k) if loading else {}
            except FileNotFoundError:
                raise vanished(path) from None
            except StoremonError as error:
                raise FileError(path, str(error)) from None
            plans.append((k, plan, positions))
    return plans, notes


def _plan(
    known: registry.Known | None, path: Path, options: LoadOptions, clock: datetime
) -> registry.FilePlan:
    """One file's plan; a torn last line loads once the file stopped changing (``settled``)."""
    complete_lines_only = options.complete_lines_only and path.name not in options.settled
    try:
        plan = registry.plan_file(
            known, path, complete_lines_only, clock, fingerprint=options.fingerprint
        )
    except FileNotFoundError:
        raise vanished(path) from None
    return replace(plan, torn=plan.torn and options.complete_lines_only)


def _whole(
    known: dict[str, registry.Known], plan: registry.FilePlan, clock: datetime
) -> registry.FilePlan:
    """The plan of a snapshot file that loads again whole with the rest of its snapshot."""
    if plan.action == "skip":
        plan = registry.plan_file(known.get(plan.path.name), plan.path, False, clock)
    if plan.action in ("skip", "append"):
        plan = replace(plan, action="replace", start=0, lines_before=0)
    return plan


def _snapshot_changed(known: dict[str, registry.Known], kind: SourceKind, plans: list) -> bool:
    """Does a snapshot kind need loading again: a file new, changed, grown or gone?"""
    held = {name for name, row in known.items() if row.kind == kind.name}
    names = {plan.path.name for _, plan, _ in plans}
    return names != held or any(plan.action != "skip" for _, plan, _ in plans)


def _kept(kind: SourceKind, left_out: list[str], torn: list[str], refused: bool) -> str:
    """The line that says a snapshot is kept, and why."""
    why = ["its new files were refused (above)"] if refused else []
    why += [f"{name} is left out" for name in left_out]
    why += [f"{name} ends in a line still being written" for name in torn]
    return f"{kind.name}: the {_WHAT[kind.name]} held are kept as they are while " + (
        "; ".join(why)
    )


def reloaded_snapshots(plans: list[Plan]) -> set[str]:
    """The snapshot kinds (hours, zones) a load replaces: those with a file to load."""
    return {
        k.name for k, plan, _ in plans if k is not STATUS and plan.action not in ("skip", "wait")
    }


def nothing_to_do(plans: list[Plan]) -> bool:
    """Is every file unchanged (or waiting), so that the load would write nothing at all?"""
    return all(plan.action in ("skip", "wait") and not plan.refresh for _, plan, _ in plans)


def vanished(path: Path) -> FileError:
    """The error for an input file deleted or renamed while a load read it."""
    return FileError(
        path,
        f"{path.name} disappeared while it was being loaded (deleted or renamed); nothing was "
        "changed: load again once the folder holds the files to load",
    )
