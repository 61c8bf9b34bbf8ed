"""`continuum check`: run the gates of a gates file on a candidate model, locally or in CI.

Exit codes: 0 every required gate passed; 1 a required gate failed, errored or could not run (or
the upload failed); 2 bad input (options, files, an unknown gate or metric).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated

import typer

from mlcontinuum.cli.output import EXIT_FAILURE, note, out, reported_errors
from mlcontinuum.cli.remote import TokenOption, UrlOption, connect

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from mlcontinuum.charter.schemas import KpiFields
    from mlcontinuum.data.schemas import DataSourcePublic
    from mlcontinuum.gates.client import CheckClient
    from mlcontinuum.gates.service.check import Candidate, CheckReport, CheckSources
    from mlcontinuum.registry.schemas import VersionPublic

# CI systems name the commit under test in these variables (Continuum's own first).
COMMIT_VARIABLES = ("CONTINUUM_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA")
STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "not_run": "yellow"}


def register(app: typer.Typer) -> None:
    app.command(
        "check",
        help="Run the gates of a gates file on a candidate model and its evaluation data; "
        "print, write JUnit XML, upload. Exits 1 when a required gate does not pass, 2 on bad "
        "input.",
    )(check)


def check(
    gates: Annotated[Path, typer.Option("--gates", help="The gates file (YAML).")],
    model_file: Annotated[
        Path, typer.Option("--model-file", help="The model: .skops (or a pickle, see below).")
    ],
    data: Annotated[Path, typer.Option("--data", help="Evaluation data: .csv or .parquet.")],
    target: Annotated[str, typer.Option("--target", help="Column holding the true labels.")],
    version: Annotated[
        int | None,
        typer.Option("--version", min=1, help="The registered version checked (needed online)."),
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML here (one testcase per gate).")
    ] = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="No server: thresholds from --charter, no upload."),
    ] = False,
    charter: Annotated[
        Path | None,
        typer.Option("--charter", help="Offline: the charter file (continuum charter export)."),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            help="Reference .profile of the training data; default online: the version's.",
        ),
    ] = None,
    trust_pickle: Annotated[
        bool,
        typer.Option("--trust-pickle", help="Allow a pickle/joblib model file (runs its code)."),
    ] = False,
    trust_type: Annotated[
        list[str] | None,
        typer.Option("--trust-type", help="A type the .skops file may hold (repeatable)."),
    ] = None,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Run every gate of the gates file and report; see docs/gates.md."""
    from mlcontinuum.gates.enums import GateStatus
    from mlcontinuum.gates.service.check import CharterFileSources, CheckRequest, check_candidate

    request = CheckRequest(
        gates=gates,
        model_file=model_file,
        data=data,
        target=target,
        offline=offline,
        version=version,
        reference=reference,
        trust_pickle=trust_pickle,
        trusted_types=tuple(trust_type or ()),
    )
    with reported_errors(), _server(url, token) as server:
        sources: CheckSources = CharterFileSources(charter) if offline else server
        with _GateBar() as progress:
            report = check_candidate(request, sources, progress)
        _print(report)
        if junit is not None:
            junit.write_bytes(report.junit())
            note(f"Wrote JUnit XML to {junit}.")
        if not offline:
            _upload(server.client(), report)
    status = report.status
    out().print(f"Overall: [{STATUS_STYLE[status.value]}]{status.label}[/]")
    if status is not GateStatus.PASSED:
        raise typer.Exit(EXIT_FAILURE)


class _ServerSources:
    """The record about a registered version, read from the server through the SDK; connects on
    first use, so offline checks and bad input never need a token."""

    def __init__(self, url: str | None, token: str | None) -> None:
        self._url, self._token = url, token
        self._client: CheckClient | None = None

    def client(self) -> CheckClient:
        if self._client is None:
            from mlcontinuum.gates.client import CheckClient

            self._client = connect(self._url, self._token, CheckClient)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def kpis(self, candidate: Candidate) -> Sequence[KpiFields] | None:
        return self.client().list_kpis(candidate.project)

    def version(self, candidate: Candidate) -> VersionPublic | None:
        assert candidate.version is not None  # online checks name their version
        return self.client().get_version(candidate.project, candidate.model, candidate.version)

    def compliance(self, candidate: Candidate) -> list[DataSourcePublic] | None:
        assert candidate.version is not None
        client = self.client()
        return client.version_compliance(candidate.project, candidate.model, candidate.version)

    def reference_profile(self, candidate: Candidate) -> bytes:
        assert candidate.version is not None
        client = self.client()
        return client.get_reference_profile(candidate.project, candidate.model, candidate.version)


@contextmanager
def _server(url: str | None, token: str | None) -> Iterator[_ServerSources]:
    server = _ServerSources(url, token)
    try:
        yield server
    finally:
        server.close()


class _GateBar:
    """Notes on stderr, and a transient bar while the gates run (stdout keeps the report)."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._total = 0

    def __enter__(self) -> _GateBar:
        return self

    def note(self, message: str) -> None:
        note(message)

    def gate(self, name: str, index: int, total: int) -> None:
        if self._bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            from mlcontinuum.cli.output import err

            self._bar = Progress(
                TextColumn("gate {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err(),
                transient=True,
            )
            self._bar.start()
            self._task, self._total = self._bar.add_task("", total=total), total
        assert self._task is not None
        self._bar.update(self._task, description=name, completed=index)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            assert self._task is not None
            self._bar.update(self._task, completed=self._total)
            self._bar.stop()


def _value(values: Mapping[str, float | None]) -> str:
    return ", ".join(
        f"{k}={'n/a' if v is None else f'{v:.4g}'}" for k, v in list(values.items())[:4]
    )


def _print(report: CheckReport) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Gates")
    for heading in ("gate", "status", "value", "threshold", "message"):
        table.add_column(heading, overflow="fold")
    for r in report.results:
        style = STATUS_STYLE[r.status.value]
        status = f"[{style}]{r.status.label}[/]" + ("" if r.required else " (optional)")
        thresholds = _value(r.thresholds)
        table.add_row(r.gate, status, _value(r.measured), thresholds, escape(r.message[:400]))
    out().print(table)


def _upload(client: CheckClient, report: CheckReport) -> None:
    from mlcontinuum.gates.schemas import GateRunCreate

    candidate = report.candidate
    assert candidate.version is not None
    commit = next((os.environ[v] for v in COMMIT_VARIABLES if os.environ.get(v)), None)
    run = client.upload_gate_run(
        candidate.project,
        candidate.model,
        candidate.version,
        GateRunCreate(results=report.results, commit=commit[:64] if commit else None),
    )
    note(f"Uploaded gate run {run.id} for {candidate.model} version {candidate.version}.")
