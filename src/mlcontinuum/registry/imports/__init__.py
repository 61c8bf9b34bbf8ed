"""Imports of runs and model versions from other tracking systems into this instance.

Each importer reads the other system with that system's own client and writes through the
registry's services (`writer.RegistryWriter`) with external ids, so running an import again
creates nothing twice. The other system's client is an optional extra, imported only when an
import runs.
"""

from mlcontinuum.registry.imports.report import ImportReport, Progress, Skipped

__all__ = ["ImportReport", "Progress", "Skipped"]
