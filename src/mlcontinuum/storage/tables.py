"""Every slice's tables, imported so one `metadata` holds them all (for Alembic and tests)."""

from mlcontinuum import events as _events  # noqa: F401
from mlcontinuum.actions import models as _actions  # noqa: F401
from mlcontinuum.alerts import models as _alerts  # noqa: F401
from mlcontinuum.auth import models as _auth  # noqa: F401
from mlcontinuum.changes import models as _changes  # noqa: F401
from mlcontinuum.charter import models as _charter  # noqa: F401
from mlcontinuum.data import models as _data  # noqa: F401
from mlcontinuum.gates import models as _gates  # noqa: F401
from mlcontinuum.monitoring import models as _monitoring  # noqa: F401
from mlcontinuum.registry import models as _registry  # noqa: F401
from mlcontinuum.releases import models as _releases  # noqa: F401
from mlcontinuum.storage.base import Base

metadata = Base.metadata
