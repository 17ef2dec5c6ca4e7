"""Beijing time (China Standard Time, UTC+8, no daylight saving): dates the portal writes or
checks are Beijing dates."""
from __future__ import annotations

import datetime

BEIJING = datetime.timezone(datetime.timedelta(hours=8), "CST")


def now() -> datetime.datetime:
    """The current time in Beijing."""
    return datetime.datetime.now(BEIJING)


def beijing_text(moment: datetime.datetime | str) -> str:
    """A moment as Chinese readers write it, in Beijing time: 2026年12月3日 19:36. A naive
    datetime or ISO text without an offset is UTC, as CKAN and ckanext-harvest store them."""
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    local = moment.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def chinese_date(day: datetime.date) -> str:
    """A date as Chinese readers write it: 2026年12月3日."""
    return f"{day.year}年{day.month}月{day.day}日"
