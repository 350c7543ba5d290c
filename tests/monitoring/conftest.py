import pytest

from monitoring.services import summaries_refresh
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory

from .factories import generate_casework, generate_funding


@pytest.fixture
def bureau_data(personas):
    """Three buurten of team A's municipality (the team covers the first), with casework, funding and summaries."""
    wijk = DistrictFactory(municipality=personas.team_a.municipality)
    buurten = [NeighbourhoodFactory(parent=wijk) for _ in range(3)]
    personas.team_a.areas.add(buurten[0])
    generate_funding(generate_casework(cases=30, buurten=buurten))
    summaries_refresh(full=True)
    return buurten
