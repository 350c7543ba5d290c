"""Which streams may pay an action, and for the others why not: the pay form's list (issue 14).

One query for the funnel (``eligibility.stream_checks``) and one for the streams it names; the reasons are
sentences for the professional, with the dates and amounts that matter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from cases.models import Action

from . import eligibility
from .models import FundingStream


@dataclass(frozen=True)
class StreamOption:
    stream: FundingStream
    payable: bool
    # Why it may not pay, or, for one that may, what happens past its end.
    explanation: str


def _money(amount: Decimal) -> str:
    return f"€ {number_format(amount, decimal_pos=2, force_grouping=True)}"


def _why_not(action: Action, check: eligibility.StreamCheck, stream: FundingStream, takeover: str) -> str:
    if check.stage == 0:
        return _("pays for other themes")
    if check.stage == 1:
        return _("runs from %(start)s to %(end)s, not on the action's first day") % {
            "start": date_format(stream.valid_from),
            "end": date_format(stream.valid_until),
        }
    if check.stage == eligibility.STAGE_AREA:
        return _("pays only in other areas")
    if check.stage == 3:
        return _("does not let %(organisation)s deliver") % {"organisation": action.delivering_organisation.name}
    if check.stage == eligibility.STAGE_BENEFICIARY:
        if action.beneficiary_id is None:
            return _("pays only for help to one person, not for the whole household")
        return _("pays for ages %(low)s to %(high)s; the beneficiary's age on the first day is outside that") % {
            "low": stream.min_age or 0,
            "high": stream.max_age if stream.max_age is not None else "…",
        }
    if check.stage == 5:
        return _("%(organisation)s cannot bill %(silo)s") % {
            "organisation": action.delivering_organisation.name,
            "silo": stream.silo.name,
        }
    if check.stage == eligibility.STAGE_AGE_LIMIT:
        assert check.crossing_day is not None
        text = _("18-/18+ transition on %(date)s: the beneficiary turns %(age)s during the action") % {
            "date": date_format(check.crossing_day),
            "age": (stream.max_age or 0) + 1,
        }
        return f"{text}; {takeover}" if takeover else text
    # Its rules fit, but the budget cannot carry the planned cost.
    return _("budget exhausted: %(remaining)s left, the action costs %(cost)s") % {
        "remaining": _money(check.remaining or Decimal("0")),
        "cost": _money(action.planned_cost),
    }


def _past_its_end(check: eligibility.StreamCheck, stream: FundingStream) -> str:
    if stream.valid_until >= check.until_day:
        return ""
    assert check.chain_until is not None
    if check.chain_until >= check.until_day:
        return _("runs until %(end)s; from %(next)s the same silo's stream of the next period pays on") % {
            "end": date_format(stream.valid_until),
            "next": date_format(stream.valid_until + datetime.timedelta(days=1)),
        }
    return _("the stream ends before the action: %(from)s to %(until)s is not covered and becomes a blockage") % {
        "from": date_format(check.chain_until + datetime.timedelta(days=1)),
        "until": date_format(check.until_day),
    }


def _until_the_birthday(check: eligibility.StreamCheck, stream: FundingStream, takeover: str) -> str:
    """A stream that pays until the beneficiary passes its age limit: what it pays, and what then."""
    assert check.crossing_day is not None
    text = _("18-/18+ transition on %(date)s: pays until %(last)s; from then the rest becomes a blockage") % {
        "date": date_format(check.crossing_day),
        "last": date_format(check.crossing_day - datetime.timedelta(days=1)),
    }
    return f"{text}; {takeover}" if takeover else text


def payable_streams(
    action: Action, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[StreamOption]:
    """The streams of the action's municipality that pay for anything, closest to paying first, judged over
    ``start`` to ``end`` (the part still to pay) or the action's whole period.

    An action that is no longer checked (done, cancelled, on a closed case) has none.
    """
    checks = eligibility.stream_checks(action.pk, start, end)
    streams = FundingStream.objects.select_related("silo").in_bulk(
        {check.stream_id for check in checks} | {c.takeover_stream_id for c in checks if c.takeover_stream_id}
    )
    options = []
    for check in checks:
        stream = streams[check.stream_id]
        takeover_stream = streams.get(check.takeover_stream_id) if check.takeover_stream_id else None
        takeover = (
            _("from then %(stream)s (%(silo)s) could pay")
            % {"stream": takeover_stream.name, "silo": takeover_stream.silo.name}
            if takeover_stream
            else ""
        )
        if check.payable and check.stage == eligibility.STAGE_AGE_LIMIT:
            options.append(StreamOption(stream, True, _until_the_birthday(check, stream, takeover)))
        elif check.payable:
            options.append(StreamOption(stream, True, _past_its_end(check, stream)))
        else:
            options.append(StreamOption(stream, False, _why_not(action, check, stream, takeover)))
    return options
