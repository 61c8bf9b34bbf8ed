"""The Python SDK: `Client(url, token)` and the exceptions it raises.

from mlcontinuum import Client, NotFoundError

with Client("http://127.0.0.1:8000", token) as client:
    charter = client.get_charter("telco-churn")

`Client` is composed of every slice's client part (`<slice>/client.py`), all built on the
client kit (`mlcontinuum.remote`); a program that needs one slice may use its part alone.
"""

from mlcontinuum.accounts.client import AccountsClient
from mlcontinuum.audit.client import AuditClient
from mlcontinuum.charter.client import CharterClient
from mlcontinuum.gates.client import GatesClient
from mlcontinuum.monitoring.client import Monitor, MonitoringClient
from mlcontinuum.registry.client import RegistryClient
from mlcontinuum.releases.client import ReleasesClient
from mlcontinuum.remote.errors import (
    AuthenticationError,
    ConflictError,
    ContinuumAPIError,
    ContinuumConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
)
from mlcontinuum.trust.client import TrustClient


class Client(
    AccountsClient,
    CharterClient,
    RegistryClient,
    GatesClient,
    TrustClient,
    ReleasesClient,
    MonitoringClient,
    AuditClient,
):
    """A connection to one Continuum server, authenticated by an API token.

    Every method returns the same pydantic schema the server answers with, and raises a
    `ContinuumAPIError` subclass carrying the server's message when the server refuses.

    >>> with Client("http://127.0.0.1:8000", token) as client:
    ...     for project in client.list_projects():
    ...         print(project.slug, client.get_charter(project.slug).version)
    """


__all__ = [
    "AuthenticationError",
    "Client",
    "ConflictError",
    "ContinuumAPIError",
    "ContinuumConnectionError",
    "Monitor",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "UnavailableError",
    "ValidationError",
]
