"""Trust: model cards composed from the records (charter, data, runs, gates), and the model
pages that show versions with their gate runs."""

from mlcontinuum.kernel.slice import Area, NavItem, Slice

SLICE = Slice(
    name="trust",
    summary="Model cards, composed from the charter, the data register, runs and gate runs; "
    "the model and version pages.",
    package="mlcontinuum.trust",
    api=("mlcontinuum.trust.api",),
    pages=("mlcontinuum.trust.pages",),
    nav=(NavItem(Area.BUILD, "Models", "models"),),
    docs=("runs-and-models.md",),  # its section "Model cards"
)
