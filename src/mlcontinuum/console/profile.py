"""`continuum profile` and `continuum drift`: build a profile file, compare data against it.

Exit codes: 0 no drift and every check passed, 1 a drift threshold was crossed or a check failed,
2 usage or input error (with a one-line message, never a stack trace).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mlcontinuum.cli.output import EXIT_INPUT, err

if TYPE_CHECKING:
    from mlcontinuum.profiles import CheckResult, DriftReport, Profile

# The engine (NumPy, Arrow, SciPy) is imported inside the commands: every other command, and
# `--help`, would otherwise pay for it at start-up.


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def register(app: typer.Typer) -> None:
    app.command("profile", help="Profile a CSV or Parquet file into a compact .profile file.")(
        profile_command
    )
    app.command(
        "drift",
        help="Compare data (or a profile) with a reference profile: drift per column and data "
        "checks. Exits 1 when a threshold is crossed, 2 on bad input.",
    )(drift_command)


def profile_command(
    data: Annotated[
        Path, typer.Argument(help="CSV or Parquet file to profile.", show_default=False)
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the profile (e.g. ref.profile).")
    ],
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    from mlcontinuum.profiles import ProfileError, dumps

    console = Console(stderr=True, quiet=quiet)
    profile = _build(data, console)
    try:
        output.write_bytes(dumps(profile))
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    except ProfileError as exc:
        _fail(str(exc))
    unsupported = profile.unsupported
    console.print(
        f"Profiled {profile.row_count:,} rows × {len(profile.columns)} columns → {output}"
        + (
            f" ({len(unsupported)} column(s) unsupported: {', '.join(unsupported)})"
            if unsupported
            else ""
        )
    )


def drift_command(
    reference: Annotated[Path, typer.Argument(help="Reference .profile file.", show_default=False)],
    current: Annotated[
        Path,
        typer.Argument(
            help="Current data (CSV or Parquet) or a .profile file.", show_default=False
        ),
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for machines.")
    ] = OutputFormat.TABLE,
) -> None:
    from mlcontinuum.profiles import ProfileError, compare, run_checks

    console = Console(stderr=True, quiet=output_format is OutputFormat.JSON)
    ref = _read_profile(reference)
    cur = _read_profile(current) if _is_profile(current) else _build(current, console)
    try:
        report = compare(ref, cur)
        checks = run_checks(ref, cur)
    except ProfileError as exc:
        _fail(str(exc))
    if output_format is OutputFormat.JSON:
        document = report.to_dict() | {
            "checks": [c.__dict__ | {"details": list(c.details)} for c in checks]
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        _print_tables(report, checks)
    if report.drifted or not all(c.passed for c in checks):
        raise typer.Exit(1)


def _build(path: Path, console: Console) -> Profile:
    from mlcontinuum.profiles import ProfileError, build_profile

    with Progress(
        TextColumn("profiling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("rows", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        try:
            return build_profile(path, progress=advance)
        except ProfileError as exc:
            _fail(str(exc))


def _is_profile(path: Path) -> bool:
    from mlcontinuum.profiles.serde import MAGIC

    try:
        with path.open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _read_profile(path: Path) -> Profile:
    from mlcontinuum.profiles import ProfileError, loads

    try:
        return loads(path.read_bytes())
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")
    except ProfileError as exc:
        _fail(f"{path}: {exc}")


def _print_tables(report: DriftReport, checks: list[CheckResult]) -> None:
    console = Console()
    drift = Table(title="Drift per column")
    for heading in ("column", "kind", "method", "value", "noise floor", "threshold", "verdict"):
        drift.add_column(
            heading, justify="right" if heading in ("value", "noise floor", "threshold") else "left"
        )
    for column in report.columns:
        if column.skipped:
            drift.add_row(
                column.column, column.kind.value, "—", "", "", "", f"skipped: {column.skipped}"
            )
        for o in column.outcomes:
            # "changed": significant but below the threshold, shown without an alarm.
            verdict = {
                "drifted": "[red]DRIFT[/red]",
                "changed": "[yellow]changed[/yellow]",
            }.get(o.status.value, "[green]ok[/green]")
            drift.add_row(
                column.column,
                column.kind.value,
                o.method,
                f"{o.value:.4f}",
                f"{o.noise_floor:.4f}",
                f"{o.threshold:g}",
                verdict,
            )
    console.print(drift)
    table = Table(title="Data checks")
    for heading in ("check", "threshold", "result", "message"):
        table.add_column(heading)
    for check in checks:
        result = "[green]pass[/green]" if check.passed else "[red]FAIL[/red]"
        table.add_row(check.name, f"{check.threshold:g}", result, check.message)
    console.print(table)


def _fail(message: str) -> NoReturn:
    err().print(f"[red]error:[/red] {message}")
    raise typer.Exit(EXIT_INPUT)
