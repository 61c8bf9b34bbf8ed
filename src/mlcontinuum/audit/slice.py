"""Audit: the project's hash-chained event log, listed and verified."""

from mlcontinuum.audit.permissions import AUDIT_READ, PERMISSIONS
from mlcontinuum.kernel.slice import Area, NavItem, Slice

SLICE = Slice(
    name="audit",
    summary="The tamper-evident audit trail: every event of a project, and its verification.",
    package="mlcontinuum.audit",
    api=("mlcontinuum.audit.api",),
    pages=("mlcontinuum.audit.pages",),
    cli=("mlcontinuum.audit.cli",),
    nav=(NavItem(Area.MANAGE_AND_TRUST, "Audit trail", "events", AUDIT_READ),),
    permissions=PERMISSIONS,
    docs=("audit.md",),
)
