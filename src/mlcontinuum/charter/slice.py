"""Charter: projects, their members, the charter with its KPIs, thresholds and stakeholders."""

from mlcontinuum.charter.permissions import PERMISSIONS, PROJECT_MANAGE
from mlcontinuum.kernel.slice import Area, EventType, NavItem, Slice

SLICE = Slice(
    name="charter",
    summary="Projects, members, and the charter: KPIs with thresholds, stakeholders, versions.",
    package="mlcontinuum.charter",
    tables="mlcontinuum.charter.models",
    api=(
        "mlcontinuum.charter.api.projects",
        "mlcontinuum.charter.api.charter",
        "mlcontinuum.charter.api.kpis",
    ),
    # The project list declares /projects/new ahead of /projects/{project}.
    pages=(
        "mlcontinuum.charter.pages.projects",
        "mlcontinuum.charter.pages.settings",
        "mlcontinuum.charter.pages.charter",
        "mlcontinuum.charter.pages.kpis",
        "mlcontinuum.charter.pages.stakeholders",
    ),
    cli=("mlcontinuum.charter.cli.projects", "mlcontinuum.charter.cli.charter"),
    nav=(
        NavItem(Area.SCOPE, "Overview", ""),
        NavItem(Area.SCOPE, "Charter", "charter"),
        NavItem(Area.SCOPE, "Charter history", "charter/history"),
        NavItem(Area.SCOPE, "KPIs", "kpis"),
        NavItem(Area.SCOPE, "Stakeholders", "stakeholders"),
        NavItem(Area.PROJECT, "Settings and members", "settings", PROJECT_MANAGE),
    ),
    permissions=PERMISSIONS,
    events=(
        EventType("project.created", "A project was created; its creator became its owner."),
        EventType("project.updated", "A project's name, customer, stage or phase changed."),
        EventType("member.role_set", "A user became a member of the project, or got a new role."),
        EventType("member.removed", "A member left the project."),
        EventType("charter.version_created", "The charter changed; a new version was kept."),
        EventType("charter.imported", "A charter file was imported."),
        EventType("kpi.added", "A KPI was added to the charter."),
        EventType("kpi.updated", "A KPI's definition or threshold changed."),
        EventType("kpi.removed", "A KPI was removed from the charter."),
        EventType("stakeholder.added", "A stakeholder was listed in the charter."),
        EventType("stakeholder.updated", "A stakeholder's record changed."),
        EventType("stakeholder.removed", "A stakeholder was removed from the charter."),
    ),
    docs=("charter.md",),
)
