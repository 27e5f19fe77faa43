"""The dashboard's client of the storemon HTTP API (standard library only).

The API answers a report's record as :class:`~storemon.jobs.records.ReportView`; the client
parses every record it receives into one, so the dashboard reads typed fields, not dict keys.

Under ``storemon serve`` the dashboard's kernel is not given the API's token in its environment
(readable by any code in the kernel and easy to print into the page): it gets the path of a
private file holding it (``STOREMON_API_TOKEN_FILE``), which :func:`served_token` reads.
"""

from __future__ import annotations

import io
import json
import os
import types
import typing
import urllib.error
import urllib.parse
import urllib.request

import pandas as pd
import pydantic

from storemon.config import TOKEN_FILE_VARIABLE, TOKEN_VARIABLE
from storemon.errors import StoremonError
from storemon.freshness import Freshness
from storemon.jobs.records import ReportState, ReportView
from storemon.jobs.store_view import StoreView
from storemon.jobs.summary_view import ReportSummary
from storemon.jobs.trend_view import Trend, Window

M = typing.TypeVar("M", bound=pydantic.BaseModel)

# Fields that may be null. The list of recent reports leaves null fields out of its JSON, so
# they are put back as None before the record is read.
_NULLABLE = {
    name: None
    for name, field in ReportView.model_fields.items()
    if types.NoneType in typing.get_args(field.annotation)
}


class ApiError(StoremonError):
    """The API refused a request or did not answer; the message says why in plain words.

    Args:
        message: The sentence to show.
        status: The HTTP status code, None when the API did not answer.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def read_view(record: dict) -> ReportView:
    """Read a report's record as the API answers it.

    Args:
        record: The record's JSON object (null fields may be left out).

    Returns:
        The typed record.

    Raises:
        ApiError: The answer is not a report's record.
    """
    try:
        return ReportView.model_validate({**_NULLABLE, **record})
    except ValueError as error:
        raise ApiError(f"the API answered a record the dashboard cannot read: {error}") from None


def served_token() -> str | None:
    """The API's token handed to the dashboard by ``storemon serve``, if any.

    Returns:
        The contents of the file ``STOREMON_API_TOKEN_FILE`` names, None without one.

    Raises:
        ApiError: The variable names a file that cannot be read.
    """
    path = os.environ.get(TOKEN_FILE_VARIABLE)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            return file.read().strip() or None
    except OSError as error:
        raise ApiError(f"cannot read the API's token from {path}: {error.strerror}") from None


def path_segment(text: str) -> str:
    """``text`` as one segment of a URL's path, every character but ``A-Za-z0-9_-~`` encoded.

    Dots are encoded too: a store id ``..`` must not read as "up a level".

    Args:
        text: A report or store id.

    Returns:
        The encoded segment; the server decodes it back to ``text``.
    """
    return urllib.parse.quote(text, safe="").replace(".", "%2E")


class ApiClient:
    """A small client of the storemon HTTP API.

    Args:
        api_url: Base URL of the API, e.g. ``http://127.0.0.1:8000``.
        token: Bearer token, when the API needs one (default: :func:`served_token`).
        timeout: Seconds to wait for an answer.
    """

    def __init__(self, api_url: str, token: str | None = None, timeout: float = 15.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token or served_token()
        self.timeout = timeout

    def _request(
        self,
        method: str,
        url: str,
        body: dict | None = None,
        accept: str = "application/json",
    ) -> tuple[int, bytes]:
        """Send one request; return the status and body, or raise :class:`ApiError`."""
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            raise ApiError(_detail(error), error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(
                f"the API at {self.api_url} does not answer ({reason}): is `storemon serve` "
                "running?"
            ) from None

    def _json(self, method: str, path: str, body: dict | None = None) -> dict:
        """Send a request to ``path`` and decode its JSON answer."""
        _, content = self._request(method, f"{self.api_url}{path}", body)
        return json.loads(content)

    def trigger(self, as_of: str | None = None, method: str = "nearest") -> str:
        """Queue a report.

        Args:
            as_of: Report as of this ISO instant; None or empty for the latest poll.
            method: ``nearest`` or ``carry_forward``.

        Returns:
            The new report id.

        Raises:
            ApiError: The API refused (bad parameter, queue full) or did not answer.
        """
        body: dict[str, str] = {"method": method}
        if as_of and as_of.strip():
            body["as_of"] = as_of.strip()
        return str(self._json("POST", "/trigger_report", body)["report_id"])

    def status(self, report_id: str) -> ReportView:
        """A report's record (also when it is complete).

        Args:
            report_id: The report id.

        Returns:
            The record.

        Raises:
            ApiError: Unknown (404) or malformed (400) id, or no answer.
        """
        query = urllib.parse.urlencode({"report_id": report_id})
        return read_view(self._json("GET", f"/get_report?{query}"))

    def download(self, url: str) -> bytes:
        """Fetch a report file, e.g. the ``csv_url`` of a complete report.

        Args:
            url: Absolute URL, or a path on the API.

        Returns:
            The file's bytes.

        Raises:
            ApiError: The API refused or did not answer.
        """
        if url.startswith("/"):
            url = f"{self.api_url}{url}"
        return self._request("GET", url, accept="*/*")[1]

    def store_view(self, report_id: str, store_id: str) -> StoreView:
        """A store's week in a complete report, as the report counted it.

        Args:
            report_id: The report id.
            store_id: The store's id.

        Returns:
            The store's view.

        Raises:
            ApiError: Unknown report or store (404), malformed id (400), a report that is not
                complete, or no answer.
        """
        path = "/reports/{}/stores/{}".format(*map(path_segment, (report_id, store_id)))
        answer = self._json("GET", path)
        if "status" in answer and "business" not in answer:
            view = read_view(answer)
            raise ApiError(f"report {view.report_id} is {view.status.value}: no store views yet")
        return _read_answer(StoreView, answer, "a store view")

    def trend(
        self, report_id: str, window: Window = "week", store_id: str | None = None
    ) -> Trend | None:
        """A complete report's trend: the fleet's totals, or one store's points, newest first.

        Args:
            report_id: The report id.
            window: ``week`` (12 points) or ``day`` (28).
            store_id: A store of the report; None for the fleet.

        Returns:
            The trend, or None while the report (or its trend, which follows its CSV) is
            still being written: ask again.

        Raises:
            ApiError: Unknown report or store (404), malformed id (400), a failed report, or
                no answer.
        """
        query = {"window": window} | ({} if store_id is None else {"store_id": store_id})
        path = "/reports/{}/trend?{}".format(
            urllib.parse.quote(report_id, safe=""), urllib.parse.urlencode(query)
        )
        answer = self._json("GET", path)
        if "points" not in answer:
            view = read_view(answer)
            if view.status is ReportState.RUNNING:
                return None
            raise ApiError(f"report {view.report_id} is {view.status.value}: it has no trend")
        return _read_answer(Trend, answer, "a trend")

    def summary(self, report_id: str) -> ReportSummary | None:
        """A complete report's headline (``GET /reports/{id}/summary``).

        Args:
            report_id: The report id.

        Returns:
            The headline, or None while the report runs: ask again.

        Raises:
            ApiError: Unknown (404) or malformed (400) id, a failed report, or no answer.
        """
        answer = self._json("GET", f"/reports/{urllib.parse.quote(report_id, safe='')}/summary")
        if "stores" not in answer:
            view = read_view(answer)
            if view.status is ReportState.RUNNING:
                return None
            raise ApiError(f"report {view.report_id} is {view.status.value}: {view.error}")
        return _read_answer(ReportSummary, answer, "a summary")

    def zones(self, report_id: str) -> pd.Series:
        """The time zone of every store of a complete report (``GET .../zones.csv``).

        Args:
            report_id: The report id.

        Returns:
            The zones, indexed by store id; empty when the report keeps none or is not
            complete.

        Raises:
            ApiError: Unknown report (404), malformed id (400), or no answer.
        """
        path = f"{self.api_url}/reports/{urllib.parse.quote(report_id, safe='')}/zones.csv"
        none = pd.Series(dtype=str, name="zone")
        try:
            status, content = self._request("GET", path, accept="text/csv")
        except ApiError as error:
            if error.status == 404:
                return none
            raise
        if status != 200 or not content.startswith(b"store_id,zone\n"):
            return none  # a record: the report is not complete
        zones = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
        return zones.set_index("store_id")["zone"]

    def recent(self, limit: int = 20) -> list[ReportView]:
        """The most recent reports, newest first.

        Args:
            limit: How many at most.

        Returns:
            Their records.

        Raises:
            ApiError: The API refused or did not answer.
        """
        answer = self._json("GET", f"/reports?limit={int(limit)}")
        return [read_view(record) for record in answer["reports"]]

    def data(self) -> Freshness:
        """How fresh the server's data is (``GET /data``).

        Returns:
            The latest poll, the last ingest and the hot window.

        Raises:
            ApiError: The API refused (no database: 404) or did not answer, or the answer is
                not one.
        """
        try:
            return Freshness.from_json(self._json("GET", "/data"))
        except StoremonError as error:
            if isinstance(error, ApiError):
                raise
            raise ApiError(f"the API answered data the dashboard cannot read: {error}") from None


def _read_answer(model: type[M], answer: dict, what: str) -> M:
    """Read an answer of the API as ``model``; :class:`ApiError` naming ``what`` if it is not."""
    try:
        return model.model_validate(answer)
    except ValueError as error:
        raise ApiError(f"the API answered {what} the dashboard cannot read: {error}") from None


def _detail(error: urllib.error.HTTPError) -> str:
    """The plain-words ``detail`` of an API error answer (the status line when there is none)."""
    try:
        detail = json.loads(error.read()).get("detail")
    except (ValueError, AttributeError, OSError):
        detail = None
    if error.code == 401:
        return f"the API needs a token: set {TOKEN_VARIABLE} for the dashboard too"
    return str(detail) if detail else f"the API answered {error.code} {error.reason}"
