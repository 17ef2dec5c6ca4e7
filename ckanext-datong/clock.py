"""Beijing time (China Standard Time, UTC+8, no daylight saving): dates the portal writes or
checks are Beijing dates, and every moment it shows is written the Chinese way here."""
from __future__ import annotations

import datetime
from typing import Optional, Union

BEIJING = datetime.timezone(datetime.timedelta(hours=8), "CST")

Moment = Union[datetime.datetime, str]
"""A datetime, or ISO text; naive ones are UTC, as CKAN and ckanext-harvest store them."""


def now() -> datetime.datetime:
    """The current time in Beijing."""
    return datetime.datetime.now(BEIJING)


def beijing(moment: Moment) -> datetime.datetime:
    """`moment` in Beijing time (a naive datetime or ISO text without an offset is UTC)."""
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(BEIJING)


def beijing_text(moment: Moment, seconds: bool = False) -> str:
    """A moment as Chinese readers write it, in Beijing time: 2026年12月3日 19:36 (with
    `seconds`, 19:36:05)."""
    local = beijing(moment)
    return f"{chinese_date(local)} {local:%H:%M:%S}" if seconds else \
        f"{chinese_date(local)} {local:%H:%M}"


def chinese_date(day: Union[datetime.date, datetime.datetime, str]) -> str:
    """A date as Chinese readers write it: 2026年12月3日. A moment counts by its Beijing day."""
    if isinstance(day, (datetime.datetime, str)):
        day = beijing(day)
    return f"{day.year}年{day.month}月{day.day}日"


_UNITS = ((365 * 86400, "年"), (30 * 86400, "个月"), (86400, "天"), (3600, "小时"), (60, "分钟"))


def relative_text(moment: Moment, reference: Optional[datetime.datetime] = None) -> str:
    """How long ago (or from now) `moment` is, in Chinese: 刚刚, 3分钟前, 2小时后, 5天前, 3个月前,
    2年前, counted from `reference` (now)."""
    seconds = ((reference or now()) - beijing(moment)).total_seconds()
    for size, unit in _UNITS:
        if abs(seconds) >= size:
            return f"{int(abs(seconds) // size)}{unit}{'前' if seconds > 0 else '后'}"
    return "刚刚"
