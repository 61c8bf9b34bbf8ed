"""Continuum: continuous software engineering for the whole life of an ML project."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mlcontinuum")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
