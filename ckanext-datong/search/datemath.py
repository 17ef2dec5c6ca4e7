"""Solr date values and date math (NOW, NOW-1DAY, 2024-01-01T00:00:00Z+1MONTH, NOW/DAY)."""
from __future__ import annotations

import datetime
import re

from dateutil.relativedelta import relativedelta

from ckanext.datong.search.documents import parse_date

_UNITS = {
    "YEAR": "years", "MONTH": "months", "DAY": "days", "DATE": "days", "HOUR": "hours",
    "MINUTE": "minutes", "SECOND": "seconds", "MILLI": "microseconds", "MILLISECOND": "microseconds",
}
_STEP = re.compile(r"([+-]\d+|/)([A-Z]+?)S?(?=[+\-/]|$)")


def _round_down(moment: datetime.datetime, unit: str) -> datetime.datetime:
    fields = ["month", "day", "hour", "minute", "second", "microsecond"]
    keep = {"years": 0, "months": 1, "days": 2, "hours": 3, "minutes": 4, "seconds": 5,
            "microseconds": 6}[unit]
    reset = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    return moment.replace(**{f: reset[f] for f in fields[keep:]})


def resolve(value: str, now: datetime.datetime) -> datetime.datetime:
    """The instant a Solr date expression names; ValueError when it names none."""
    text = value.strip().upper()
    if text.startswith("NOW"):
        moment, math = now, text[3:]
    else:
        split = next((i for i in range(len(text)) if text[i] in "+/" or
                      (text[i] == "-" and "T" in text[:i] and text[i - 1] == "Z")), len(text))
        parsed = parse_date(value.strip()[:split])
        if parsed is None:
            raise ValueError(f"Invalid Date String:'{value}'")
        moment, math = parsed, text[split:]
    position = 0
    for match in _STEP.finditer(math):
        if match.start() != position or match.group(2) not in _UNITS:
            raise ValueError(f"Invalid Date Math String:'{value}'")
        unit = _UNITS[match.group(2)]
        if match.group(1) == "/":
            moment = _round_down(moment, unit)
        else:
            moment += relativedelta(**{unit: int(match.group(1))})
        position = match.end()
    if position != len(math):
        raise ValueError(f"Invalid Date Math String:'{value}'")
    return moment
