"""Evaluating windows: merge new batch profiles into the window's profile, compare it with the
version's reference, run the data checks, compute performance from labelled predictions, judge
the project's KPIs, and store the result on the window.

An evaluation that finds something past a threshold that the window had not shown before
appends `window.flagged` (see `flag`), in the window's transaction: alerting reacts to it there.
Other evaluations append no event (one per evaluation would serialise every evaluation on the
project's chain head, and fill the audit trail with routine).

Cost per evaluation is bounded by profiles and tallies, not rows: a window keeps the merge of
every batch up to `merged_through_batch_id`, so re-evaluating it loads only the batches that
arrived since; drift and checks read two bounded profiles; performance reads the hourly tallies
ingest keeps (at most 24 rows and their score bins), never a prediction.

Concurrency. A window is locked while it is evaluated (`FOR UPDATE`; the background job skips
windows somebody else holds), so two evaluators never merge the same batch twice. The window is
marked clean only if its `changed_at` is still the one seen when the evaluation began: a write
that lands meanwhile leaves it dirty for the next pass. Batch ids come from a sequence, so on
PostgreSQL a batch may commit after one with a higher id was merged; the evaluator counts the
window's batches at or below its high-water mark and rebuilds the profile when the count says
one slipped in below it.

Errors. A window whose data cannot be evaluated (an unreadable or unmergeable profile, say) gets
an `error` in its evaluation and is marked clean, so it is retried when new data arrives, not in
a loop. Database errors roll the window's transaction back; it stays dirty and the job goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.kernel import events
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring import assess
from mlcontinuum.monitoring.enums import WindowScope
from mlcontinuum.monitoring.kpi_windows import window_kpis
from mlcontinuum.monitoring.models import MonitorBatch, MonitorWindow
from mlcontinuum.monitoring.performance import window_performance
from mlcontinuum.monitoring.schemas import (
    EvaluationRun,
    KpiOutcome,
    ReferenceInfo,
    WindowEvaluation,
)
from mlcontinuum.profiles import Profile, dumps, loads, merge
from mlcontinuum.registry import queries as registry
from mlcontinuum.releases import queries as releases

log = logging.getLogger(__name__)

EVALUATOR = "system:evaluator"
FLAGGED = "window.flagged"

MAX_WINDOWS_PER_PASS = 200
PROFILES_PER_READ = 32


class EvaluationError(Exception):
    """The window's data cannot be evaluated; the message says why, for people."""


@dataclass
class References:
    """Reference profiles already read in this pass, by stored-profile id."""

    profiles: dict[int, Profile] = field(default_factory=dict)

    def get(self, session: Session, stored_id: int) -> Profile:
        if stored_id not in self.profiles:
            data = registry.profile_data(session, [stored_id])[stored_id]
            self.profiles[stored_id] = _load(data, f"reference profile {stored_id}")
        return self.profiles[stored_id]


@dataclass(frozen=True)
class Merged:
    profile: Profile | None
    new_batches: int


def evaluate_window(
    session: Session, window: MonitorWindow, *, references: References | None = None
) -> WindowEvaluation:
    """Evaluate `window` (locked by the caller, or the only writer), store the result on it,
    flag what it found, and return the evaluation. Never raises for bad data: the error is
    stored."""
    seen = window.changed_at
    try:
        with session.begin_nested():
            previous = _previous(window)
            evaluation, new_batches = _evaluate(session, window, references or References())
            _store(window, evaluation)
            flag(session, window, evaluation, previous=previous, new_batches=new_batches > 0)
    except DBAPIError:
        raise  # the database's trouble, not the data's: roll back, the window stays dirty
    except Exception as exc:  # bad data must not stop the evaluator; it is stored instead
        log.warning("window %s could not be evaluated: %s", window.id, exc, exc_info=True)
        evaluation = WindowEvaluation(error=_message(exc))
        _store(window, evaluation)
    session.flush()
    # Clean only if nothing wrote to the window since the evaluation began.
    session.execute(
        update(MonitorWindow)
        .where(MonitorWindow.id == window.id)
        .values(dirty=case((MonitorWindow.changed_at == seen, False), else_=True))
        .execution_options(synchronize_session=False)
    )
    session.expire(window, ["dirty"])
    return evaluation


def flag(
    session: Session,
    window: MonitorWindow,
    evaluation: WindowEvaluation,
    *,
    previous: WindowEvaluation | None,
    new_batches: bool,
) -> None:
    """Append `window.flagged` when the evaluation found what the window had not shown: in a
    project window, KPIs past their alert threshold whose values (or threshold) changed since
    `previous` (a value of another KPI re-evaluated the window); in a deployment window that
    merged new batches, drifted features or failed data checks (labels arriving later
    re-evaluate a window for its performance, which flags nothing again)."""
    if evaluation.error is not None:
        return
    found: dict[str, Any]
    if window.scope is WindowScope.PROJECT:
        seen = {_state(k) for k in previous.kpis} if previous else set()
        kpis = [k.kpi_id for k in evaluation.kpis if k.breached and _state(k) not in seen]
        if not kpis:
            return
        found = {"kpis": kpis}
    else:
        # The counts `_store` keeps on the window.
        drifted, failed = window.drifted_features, window.failed_checks
        if not new_batches or not (drifted or failed):
            return
        found = {"drifted_features": drifted, "failed_checks": failed}
    events.append(
        session,
        type=FLAGGED,
        actor=EVALUATOR,
        project_id=window.project_id,
        payload={
            "window_id": window.id,
            "scope": window.scope.value,
            "deployment_id": window.deployment_id,
            "granularity": window.granularity.value,
            "start": window.start.isoformat(),
        }
        | found,
    )


def _state(kpi: KpiOutcome) -> tuple[int, int, float, float, bool]:
    return (kpi.kpi_id, kpi.values, kpi.value, kpi.threshold, kpi.breached)


def _previous(window: MonitorWindow) -> WindowEvaluation | None:
    if window.evaluation is None:
        return None
    try:
        return WindowEvaluation.model_validate(window.evaluation)
    except ValueError:  # stored by an older shape: treat as never evaluated
        return None


def _message(exc: Exception) -> str:
    if isinstance(exc, EvaluationError):
        return str(exc)
    return f"the window could not be evaluated: {type(exc).__name__}: {exc}"


def _store(window: MonitorWindow, evaluation: WindowEvaluation) -> None:
    window.evaluation = evaluation.model_dump(mode="json")
    window.evaluated_at = utcnow()
    window.drifted_features = sum(c.drifted for c in evaluation.drift)
    window.failed_checks = sum(not c.passed for c in evaluation.checks)
    window.kpis_breached = sum(k.breached for k in evaluation.kpis)


def _evaluate(
    session: Session, window: MonitorWindow, references: References
) -> tuple[WindowEvaluation, int]:
    end = window.start + window.granularity.length
    if window.scope is WindowScope.PROJECT:
        return WindowEvaluation(kpis=window_kpis(session, window.project_id, window.start, end)), 0
    if window.deployment_id is None:
        raise EvaluationError("a deployment window without a deployment")
    merged = _merge_new_batches(session, window)
    evaluation = WindowEvaluation(
        performance=window_performance(session, window.deployment_id, window.start, end)
    )
    deployment = releases.get_deployment(session, window.project_id, window.deployment_id)
    version = registry.find_version(
        session, window.project_id, deployment.model_name, deployment.version
    )
    if merged.profile is None:
        evaluation.notes.append("no batches in this window yet: nothing to compare")
    elif version.reference_profile_id is None:
        evaluation.notes.append(
            f"no drift or data checks: version {version.version} of '{version.model_name}' has "
            "no reference profile (upload one with the version's reference-profile endpoint)"
        )
    else:
        reference = references.get(session, version.reference_profile_id)
        evaluation.reference = ReferenceInfo(version_id=version.id, rows=reference.row_count)
        evaluation.drift = assess.drift(reference, merged.profile)
        evaluation.checks = assess.checks(reference, merged.profile)
    return evaluation, merged.new_batches


def _merge_new_batches(session: Session, window: MonitorWindow) -> Merged:
    """Merge the window's batches above its high-water mark into its stored profile, or rebuild
    it from every batch when one committed below the mark since (see the module docstring)."""
    end = window.start + window.granularity.length
    in_window = (
        MonitorBatch.deployment_id == window.deployment_id,
        MonitorBatch.hour_start >= window.start,
        MonitorBatch.hour_start < end,
    )
    below = session.scalar(
        select(func.count())
        .select_from(MonitorBatch)
        .where(*in_window, MonitorBatch.id <= window.merged_through_batch_id)
    )
    if below != window.batches:
        log.info("window %s: a batch committed below its mark; rebuilding its profile", window.id)
        window.profile, window.rows, window.batches, window.merged_through_batch_id = None, 0, 0, 0
    new = session.execute(
        select(MonitorBatch.id, MonitorBatch.rows)
        .where(*in_window, MonitorBatch.id > window.merged_through_batch_id)
        .order_by(MonitorBatch.id)
    ).all()
    profile = None if window.profile is None else _load(window.profile, "the window's profile")
    for chunk in _chunks([row.id for row in new], PROFILES_PER_READ):
        for batch_id, raw in session.execute(
            select(MonitorBatch.id, MonitorBatch.profile)
            .where(MonitorBatch.id.in_(chunk))
            .order_by(MonitorBatch.id)
        ):
            part = _load(raw, f"batch {batch_id}'s profile")
            try:
                profile = part if profile is None else merge(profile, part)
            except Exception as exc:
                raise EvaluationError(
                    f"batch {batch_id} cannot be merged into the window's profile: {exc}"
                ) from exc
    if new:
        assert profile is not None
        window.profile = dumps(profile)
        window.rows += sum(row.rows for row in new)
        window.batches += len(new)
        window.merged_through_batch_id = new[-1].id
    return Merged(profile, len(new))


def _load(raw: bytes, what: str) -> Profile:
    try:
        return loads(raw)
    except Exception as exc:
        raise EvaluationError(f"{what} cannot be read: {exc}") from exc


def _chunks(ids: Sequence[int], size: int) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _claim(session: Session, window_id: int, *, skip_locked: bool) -> MonitorWindow | None:
    """The window, locked and freshly read, if it is still dirty; None if it is clean or (with
    `skip_locked`) another transaction holds it."""
    return session.scalar(
        select(MonitorWindow)
        .where(MonitorWindow.id == window_id, MonitorWindow.dirty.is_(True))
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


def evaluate_pending(session_factory: sessionmaker[Session], settings: Settings) -> int:
    """The background job: evaluate up to MAX_WINDOWS_PER_PASS dirty windows, oldest change
    first, each in its own short transaction. Returns how many were evaluated."""
    with transaction(session_factory) as session:
        ids = session.scalars(
            select(MonitorWindow.id)
            .where(MonitorWindow.dirty.is_(True))
            .order_by(MonitorWindow.changed_at, MonitorWindow.id)
            .limit(MAX_WINDOWS_PER_PASS)
        ).all()
    references = References()
    done = 0
    for window_id in ids:
        try:
            with transaction(session_factory) as session:
                window = _claim(session, window_id, skip_locked=True)
                if window is None:
                    continue
                evaluate_window(session, window, references=references)
                done += 1
        except SQLAlchemyError:
            log.exception("window %s: database error; it stays dirty for the next pass", window_id)
    return done


def evaluate_all_pending(session_factory: sessionmaker[Session], settings: Settings) -> int:
    """Pass after pass of the background job until no window is dirty (for a command run
    without the background workers). Returns how many were evaluated."""
    total = 0
    while done := evaluate_pending(session_factory, settings):
        total += done
    return total


def evaluate_dirty(session: Session, project_id: int, deployment_id: int) -> EvaluationRun:
    """Evaluate the deployment's dirty windows and the project's dirty KPI windows in the
    caller's transaction. Every window is claimed before any is evaluated, in the order
    writers mark them (scope, then granularity, then start): flagging a window (and raising
    its alerts) takes the project's chain lock, and holding that while waiting for a window the
    background evaluator holds (which waits for the chain lock in turn) would deadlock."""
    rows = session.execute(
        select(
            MonitorWindow.id,
            MonitorWindow.scope_key,
            MonitorWindow.granularity,
            MonitorWindow.start,
        ).where(
            MonitorWindow.project_id == project_id,
            MonitorWindow.dirty.is_(True),
            (MonitorWindow.deployment_id == deployment_id)
            | (MonitorWindow.scope == WindowScope.PROJECT),
        )
    ).all()
    ordered = sorted(rows, key=lambda r: (r.scope_key, r.granularity.value, r.start))
    references = References()
    run = EvaluationRun(evaluated=0, deployment_windows=0, kpi_windows=0, errors=0)
    claimed = [_claim(session, row.id, skip_locked=False) for row in ordered]
    for window in claimed:
        if window is None:
            continue
        evaluation = evaluate_window(session, window, references=references)
        run.evaluated += 1
        if window.scope is WindowScope.PROJECT:
            run.kpi_windows += 1
        else:
            run.deployment_windows += 1
        run.errors += evaluation.error is not None
    return run
