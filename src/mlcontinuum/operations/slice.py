"""Operations: the production pages, composed from monitoring, alerts, changes and releases:
the project's health, a deployment's monitoring page, the alerts and the change requests with
their forms. It owns no table: every page reads the other slices' queries and acts through
their services."""

from mlcontinuum.kernel.slice import Area, NavItem, Slice

SLICE = Slice(
    name="operations",
    summary="Production at a glance: health, a deployment's page, alerts and change requests.",
    package="mlcontinuum.operations",
    pages=(
        "mlcontinuum.operations.pages.deployments",
        "mlcontinuum.operations.pages.alerts",
        "mlcontinuum.operations.pages.changes",
    ),
    nav=(
        NavItem(Area.MANAGE_AND_TRUST, "Health", "health"),
        NavItem(Area.MANAGE_AND_TRUST, "Alerts", "alerts"),
        NavItem(Area.MANAGE_AND_TRUST, "Change requests", "changes"),
    ),
    docs=("web.md",),
)
