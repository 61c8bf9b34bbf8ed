"""`continuum check`: run the gates of a gates file on a candidate model, locally or in CI.

Exit codes: 0 every required gate passed; 1 a required gate failed, errored or could not run (or
the upload failed); 2 bad input (options, files, an unknown gate or metric).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlcontinuum.cli.output import EXIT_FAILURE, fail, note, out, reported_errors
from mlcontinuum.cli.remote import TokenOption, UrlOption, connect

if TYPE_CHECKING:
    from mlcontinuum.gates.context import GateContext
    from mlcontinuum.gates.document import GatesFile
    from mlcontinuum.gates.schemas import GateResultData
    from mlcontinuum.sdk import Client

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
    from mlcontinuum.gates.document import parse_gates

    with reported_errors():
        gates_file = parse_gates(gates.read_bytes())
        if not offline and version is None:
            fail("--version is needed to check a registered version (or use --offline)")
        if offline and version is not None:
            note("--offline: --version is not looked up on a server.")
        context = _context(
            gates_file,
            model_file,
            data,
            target,
            offline,
            version,
            charter,
            reference,
            trust_pickle,
            trust_type or [],
            url,
            token,
        )
        results = _run(gates_file, context)
        _print(results)
        if junit is not None:
            from mlcontinuum.gates.junit import to_junit

            junit.write_bytes(to_junit(results, suite=f"{gates_file.project}.{gates_file.model}"))
            note(f"Wrote JUnit XML to {junit}.")
        if not offline:
            assert version is not None
            _upload(gates_file, version, results, url, token)
    from mlcontinuum.gates.enums import GateStatus
    from mlcontinuum.gates.schemas import run_status

    status = run_status(results)
    out().print(f"Overall: [{STATUS_STYLE[status.value]}]{status.label}[/]")
    if status is not GateStatus.PASSED:
        raise typer.Exit(EXIT_FAILURE)


def _context(
    gates_file: GatesFile,
    model_file: Path,
    data_path: Path,
    target: str,
    offline: bool,
    version: int | None,
    charter: Path | None,
    reference: Path | None,
    trust_pickle: bool,
    trusted: list[str],
    url: str | None,
    token: str | None,
) -> GateContext:
    from mlcontinuum.charter.schemas import CharterDocument
    from mlcontinuum.gates.context import GateContext
    from mlcontinuum.gates.loading import load_model, read_data
    from mlcontinuum.gates.runner import evaluate
    from mlcontinuum.profiles import ProfileError, loads

    ref_bytes = reference.read_bytes() if reference is not None else None
    kpis: Any = None
    version_info = compliance = None
    if offline:
        kpis = CharterDocument.from_yaml(charter.read_bytes()).kpis if charter is not None else None
    else:
        assert version is not None
        with connect(url, token) as client:
            version_info = client.get_version(gates_file.project, gates_file.model, version)
            kpis = client.list_kpis(gates_file.project)
            compliance = client.version_compliance(gates_file.project, gates_file.model, version)
            if ref_bytes is None and version_info.reference_profile is not None:
                ref_bytes = client.get_reference_profile(
                    gates_file.project, gates_file.model, version
                )
    try:
        profile = loads(ref_bytes) if ref_bytes is not None else None
    except ProfileError as exc:
        fail(f"the reference profile is not valid: {exc}")
    note(f"Loading {model_file.name} and scoring {data_path.name}…")
    model = load_model(model_file, trust_pickle=trust_pickle, trusted=trusted)
    frame = read_data(data_path)
    evaluation = evaluate(model, frame, target, gates_file.positive_label)
    return GateContext(
        evaluation=evaluation,
        data=frame,
        model_file=model_file,
        kpis=kpis,
        version=version_info,
        reference=profile,
        compliance=compliance,
        offline=offline,
    )


def _run(gates_file: GatesFile, context: GateContext) -> list[GateResultData]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from mlcontinuum.cli.output import err
    from mlcontinuum.gates.runner import run_gates

    with Progress(
        TextColumn("gate {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err(),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(gates_file.gates))

        def step(name: str, index: int, total: int) -> None:
            bar.update(task, description=name, completed=index)

        results = run_gates(gates_file, context, step)
        bar.update(task, completed=len(gates_file.gates))
    return results


def _value(values: Mapping[str, float | None]) -> str:
    return ", ".join(
        f"{k}={'n/a' if v is None else f'{v:.4g}'}" for k, v in list(values.items())[:4]
    )


def _print(results: list[GateResultData]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Gates")
    for heading in ("gate", "status", "value", "threshold", "message"):
        table.add_column(heading, overflow="fold")
    for r in results:
        style = STATUS_STYLE[r.status.value]
        status = f"[{style}]{r.status.label}[/]" + ("" if r.required else " (optional)")
        thresholds = _value(r.thresholds)
        table.add_row(r.gate, status, _value(r.measured), thresholds, escape(r.message[:400]))
    out().print(table)


def _upload(
    gates_file: GatesFile,
    version: int,
    results: list[GateResultData],
    url: str | None,
    token: str | None,
) -> None:
    from mlcontinuum.gates.schemas import GateRunCreate

    commit = next((os.environ[v] for v in COMMIT_VARIABLES if os.environ.get(v)), None)
    client: Client
    with connect(url, token) as client:
        run = client.upload_gate_run(
            gates_file.project,
            gates_file.model,
            version,
            GateRunCreate(results=results, commit=commit[:64] if commit else None),
        )
    note(f"Uploaded gate run {run.id} for {gates_file.model} version {version}.")
