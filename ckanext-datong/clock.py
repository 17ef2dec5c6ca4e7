"""Beijing time (China Standard Time, UTC+8, no daylight saving): dates the portal writes or
checks are Beijing dates."""
from __future__ import annotations

import datetime

BEIJING = datetime.timezone(datetime.timedelta(hours=8), "CST")


def now() -> datetime.datetime:
    """The current time in Beijing."""
    return datetime.datetime.now(BEIJING)
