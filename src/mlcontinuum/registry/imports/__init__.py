"""Imports of runs and model versions from other tracking systems, through the SDK.

Each importer reads the other system with that system's own client and writes through
`registry.client.ImportClient` with external ids, so running an import again creates nothing
twice.
The other system's client is an optional extra, imported only when an import runs.
"""

from mlcontinuum.registry.imports.report import ImportReport, Progress, Skipped

__all__ = ["ImportReport", "Progress", "Skipped"]
