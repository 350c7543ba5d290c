"""Measurements on the household page: a trend per domain for trended instruments, a list for the rest.

Only instruments with ``trended=True`` (the ZRM) are drawn as a trend. The
Positieve Gezondheid is a conversation tool: its measurements are listed,
never trended as an outcome. Each chart gets an equivalent data table; the
chart data go to the page through ``json_script`` and are drawn by
``static/js/measurement-charts.js``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from themes.models import Instrument, InstrumentDomain

from .models import Measurement, MeasurementScore, Person


@dataclass
class ScoreRow:
    measured_on: datetime.date
    person: Person
    score: int
    reason: str


@dataclass
class DomainTrend:
    instrument: Instrument
    domain: InstrumentDomain
    rows: list[ScoreRow] = field(default_factory=list)

    @property
    def element_id(self) -> str:
        return f"trend-{self.instrument.code}-{self.domain.code}"

    def chart(self) -> dict[str, Any]:
        """What Chart.js needs: dates on the x-axis, one line per person, gaps where a person was not scored."""
        dates = sorted({row.measured_on for row in self.rows})
        people: dict[int, Person] = {}
        values: dict[tuple[int, datetime.date], int] = {}
        for row in self.rows:
            people.setdefault(row.person.pk, row.person)
            values[(row.person.pk, row.measured_on)] = row.score
        return {
            "canvas": self.element_id,
            "title": self.domain.name,
            "labels": [date_format(day, "SHORT_DATE_FORMAT") for day in dates],
            "datasets": [
                {"label": person.full_name, "data": [values.get((pk, day)) for day in dates]}
                for pk, person in people.items()
            ],
            "min": self.instrument.min_score,
            "max": self.instrument.max_score,
            "yTitle": _("score"),
        }


@dataclass
class ListedMeasurement:
    measurement: Measurement
    scores: list[MeasurementScore] = field(default_factory=list)


@dataclass
class MeasurementOverview:
    trends: list[DomainTrend]
    listed: list[ListedMeasurement]

    @property
    def charts(self) -> list[dict[str, Any]]:
        return [trend.chart() for trend in self.trends]

    @property
    def trended_instruments(self) -> list[Instrument]:
        seen: dict[int, Instrument] = {}
        for trend in self.trends:
            seen.setdefault(trend.instrument.pk, trend.instrument)
        return list(seen.values())


def measurement_overview(measurements: Iterable[Measurement]) -> MeasurementOverview:
    """Sort a case's measurements (in date order, scores prefetched) into trends per domain and a list."""
    # The scores' queryset serves several models, so mypy knows its rows only as Model.
    return _overview((m, score) for m in measurements for score in cast("Iterable[MeasurementScore]", m.scores.all()))


def scores_overview(scores: Iterable[MeasurementScore]) -> MeasurementOverview:
    """The same from a case's scores alone, each with its measurement, person, instrument and domain loaded,
    in the measurements' date order: one query for the household page instead of two (issue 17).
    A measurement without scores shows nothing either way."""
    return _overview((score.measurement, score) for score in scores)


def _overview(pairs: Iterable[tuple[Measurement, MeasurementScore]]) -> MeasurementOverview:
    trends: dict[tuple[int, int], DomainTrend] = {}
    listed: dict[int, ListedMeasurement] = {}
    for measurement, score in pairs:
        if measurement.instrument.trended:
            key = (measurement.instrument_id, score.domain_id)
            trend = trends.setdefault(key, DomainTrend(instrument=measurement.instrument, domain=score.domain))
            trend.rows.append(
                ScoreRow(
                    measured_on=measurement.measured_on,
                    person=measurement.person,
                    score=score.score,
                    reason=score.reason,
                )
            )
        else:
            listed.setdefault(measurement.pk, ListedMeasurement(measurement=measurement)).scores.append(score)
    for trend in trends.values():
        trend.rows.sort(key=lambda row: (row.measured_on, row.person.full_name))
    ordered = sorted(trends.values(), key=lambda trend: (trend.instrument.code, trend.domain.order))
    recent_first = sorted(listed.values(), key=lambda item: (item.measurement.measured_on, item.measurement.pk))
    return MeasurementOverview(trends=ordered, listed=list(reversed(recent_first)))
