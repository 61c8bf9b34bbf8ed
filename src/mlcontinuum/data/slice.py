"""Data: the register of data sources with their GDPR record and live compliance rules."""

from mlcontinuum.data.permissions import PERMISSIONS
from mlcontinuum.kernel.slice import Area, EventType, NavItem, Slice

SLICE = Slice(
    name="data",
    summary="The data-source register: lawful basis, retention, access, compliance rules.",
    package="mlcontinuum.data",
    tables="mlcontinuum.data.models",
    api=("mlcontinuum.data.api",),
    pages=("mlcontinuum.data.pages",),
    nav=(NavItem(Area.UNDERSTAND, "Data register", "data"),),
    permissions=PERMISSIONS,
    events=(
        EventType("data_source.added", "A data source was registered."),
        EventType("data_source.updated", "A data source's record changed."),
        EventType("data_source.removed", "A data source left the register."),
    ),
    docs=("data.md",),
)
