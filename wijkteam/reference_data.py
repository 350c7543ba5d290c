"""All reference data (themes, instruments, silos, organisation kinds) in one call."""

from funding import reference as funding_reference
from organisations import reference as organisations_reference
from privacy import reference as privacy_reference
from themes import reference as themes_reference


def load_all() -> None:
    themes_reference.load()
    funding_reference.load()
    organisations_reference.load()
    privacy_reference.load()
