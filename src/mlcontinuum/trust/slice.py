"""Trust: model cards composed from the records (charter, data, runs, gates)."""

from mlcontinuum.kernel.slice import Slice

SLICE = Slice(
    name="trust",
    summary="Model cards, composed from the charter, the data register, runs and gate runs.",
    package="mlcontinuum.trust",
)
