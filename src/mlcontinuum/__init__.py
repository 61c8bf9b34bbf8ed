"""Continuum: continuous software engineering for the whole life of an ML project."""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("mlcontinuum")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from mlcontinuum.sdk import (
        AuthenticationError,
        Client,
        ConflictError,
        ContinuumAPIError,
        ContinuumConnectionError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitedError,
        ValidationError,
    )

__all__ = [
    "AuthenticationError",
    "Client",
    "ConflictError",
    "ContinuumAPIError",
    "ContinuumConnectionError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The SDK is imported on first use: the server, the CLI and every slice import this
    # package, and none of them needs the HTTP client.
    if name in __all__:
        from mlcontinuum import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'mlcontinuum' has no attribute {name!r}")
