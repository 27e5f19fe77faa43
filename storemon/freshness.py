"""How fresh a data set is, as a value: the latest poll, the last ingest and the hot window.

:class:`Freshness` is what :func:`storemon.engine.freshness.read_freshness` reads from a
database, what ``GET /data`` answers (:meth:`Freshness.to_json`) and what the dashboard reads
back from the API (:meth:`Freshness.from_json`); the helpers here say instants and ages the way
people read them. Nothing here opens a database, so the dashboard kernel can use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from storemon.config import DEFAULT_RETENTION_DAYS, RETENTION_VARIABLE
from storemon.errors import StoremonError


def retention_days() -> int:
    """The retention window in days: ``STOREMON_RETENTION_DAYS``, default 21.

    Raises:
        StoremonError: The variable is set to something that is not a whole number of days.
    """
    text = os.environ.get(RETENTION_VARIABLE, "").strip()
    if not text:
        return DEFAULT_RETENTION_DAYS
    if not text.isdigit() or int(text) < 1:
        raise StoremonError(f"{RETENTION_VARIABLE}={text!r} is not a number of days (e.g. 21)")
    return int(text)


@dataclass(frozen=True)
class Freshness:
    """How fresh a source's data is.

    Instants are naive datetimes in UTC (as the database holds them); None when unknown.

    Attributes:
        ingested: False for a folder of raw CSV exports (nothing is known without reading it).
        latest_poll: The latest poll held (the hot window's end).
        oldest_poll: The oldest poll held (the hot window's start).
        last_ingest: When the last ingest loaded files (the ``loads`` table's latest time).
        stores: Stores with polls.
        polls_hot: Polls held in the database.
        retention_days: Days of polls the database keeps hot.
    """

    ingested: bool
    latest_poll: datetime | None = None
    oldest_poll: datetime | None = None
    last_ingest: datetime | None = None
    stores: int | None = None
    polls_hot: int | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS

    def age_seconds(self, now: datetime | None = None) -> float | None:
        """Seconds from the latest poll to ``now`` (default the clock); None without a poll."""
        return seconds_since(self.latest_poll, now)

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """The JSON object of ``GET /data``.

        Args:
            now: The instant the age is measured at (default the clock).

        Returns:
            ``latest_poll``, ``last_ingest``, ``hot_window`` (``from``, ``to``),
            ``retention_days``, ``stores``, ``polls_hot``, ``age_seconds`` and ``ingested``.
        """
        age = self.age_seconds(now)
        return {
            "ingested": self.ingested,
            "latest_poll": iso_utc(self.latest_poll),
            "last_ingest": iso_utc(self.last_ingest),
            "hot_window": {"from": iso_utc(self.oldest_poll), "to": iso_utc(self.latest_poll)},
            "retention_days": self.retention_days,
            "stores": self.stores,
            "polls_hot": self.polls_hot,
            "age_seconds": None if age is None else round(age, 3),
        }

    @classmethod
    def from_json(cls, answer: dict[str, Any]) -> Freshness:
        """Read back the JSON object of :meth:`to_json` (``GET /data``).

        Args:
            answer: The object.

        Returns:
            The freshness.

        Raises:
            StoremonError: The object is not one.
        """
        try:
            window = answer["hot_window"]
            return cls(
                ingested=bool(answer["ingested"]),
                latest_poll=parse_iso(answer["latest_poll"]),
                oldest_poll=parse_iso(window["from"]),
                last_ingest=parse_iso(answer["last_ingest"]),
                stores=answer["stores"],
                polls_hot=answer["polls_hot"],
                retention_days=int(answer["retention_days"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise StoremonError(f"not a data freshness answer: {error!r}") from None

    def describe(self, now: datetime | None = None) -> list[str]:
        """A few lines for people: latest poll, last ingest, hot window, sizes.

        Args:
            now: The instant ages are measured at (default the clock).

        Returns:
            The lines.
        """
        if not self.ingested:
            return ["not ingested: a folder of CSV exports (run `storemon ingest` to load it)"]
        if self.latest_poll is None:
            return ["no poll yet: the database holds no poll", *self._ingest_lines(now)]
        span_days = (self.latest_poll - self.oldest_poll).total_seconds() / 86400
        return [
            f"latest poll:  {shown(self.latest_poll)} ({age_text(self.age_seconds(now))} ago)",
            *self._ingest_lines(now),
            f"hot window:   {shown(self.oldest_poll)} to {shown(self.latest_poll)} "
            f"({span_days:.1f} days held; retention {self.retention_days} days)",
            f"stores:       {self.stores:,} with {self.polls_hot:,} polls",
        ]

    def _ingest_lines(self, now: datetime | None) -> list[str]:
        """The line of the last ingest."""
        if self.last_ingest is None:
            return ["last ingest:  none recorded"]
        ago = age_text(seconds_since(self.last_ingest, now))
        return [f"last ingest:  {shown(self.last_ingest)} ({ago} ago)"]


def seconds_since(instant: datetime | None, now: datetime | None = None) -> float | None:
    """Seconds from ``instant`` (naive UTC, or aware) to ``now`` (default the clock).

    Args:
        instant: The earlier instant, or None.
        now: The later instant (naive UTC, or aware); default the clock.

    Returns:
        The seconds (negative when ``instant`` is after ``now``), or None without an instant.
    """
    if instant is None:
        return None
    now = now or datetime.now(timezone.utc)
    return (_aware(now) - _aware(instant)).total_seconds()


def _aware(instant: datetime) -> datetime:
    """An instant with its UTC offset (naive instants are UTC)."""
    return instant.replace(tzinfo=timezone.utc) if instant.tzinfo is None else instant


def iso_utc(instant: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC with a ``Z`` (None stays None)."""
    if instant is None:
        return None
    return _aware(instant).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    """Read an ISO 8601 instant as a naive UTC datetime (None or empty stays None)."""
    if not text:
        return None
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return _aware(instant).astimezone(timezone.utc).replace(tzinfo=None)


def shown(instant: datetime | None) -> str:
    """An instant as people read it: ``2024-11-05 23:59:53 UTC`` (``?`` when unknown)."""
    if instant is None:
        return "?"
    return _aware(instant).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def age_text(seconds: float | None) -> str:
    """An age in the largest units that matter: ``40 s``, ``12 min``, ``5 h``, ``3 d 4 h``.

    Args:
        seconds: The age (a negative one, a clock ahead of the data, reads as 0).

    Returns:
        The text (``?`` when unknown).
    """
    if seconds is None:
        return "?"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    hours = seconds // 3600
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d {hours % 24} h"
