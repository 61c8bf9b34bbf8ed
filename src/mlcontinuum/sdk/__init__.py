"""The Python SDK: `Client(url, token)` and the exceptions it raises.

from mlcontinuum import Client, NotFoundError

with Client("http://127.0.0.1:8000", token) as client:
    charter = client.get_charter("telco-churn")
"""

from mlcontinuum.sdk.client import Client
from mlcontinuum.sdk.errors import (
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
from mlcontinuum.sdk.monitor import Monitor

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
