"""CKAN's date helpers in Beijing time: every page, the activity stream and CKAN's own
templates call `h.render_datetime` and `h.time_ago_from_timestamp`, which these chained
helpers replace. In Chinese (the default locale) they write clock's Chinese forms
(2026年12月3日 11:21, 3分钟前); in another locale that locale's month names, in Beijing time
(CKAN's own formatter would convert to UTC)."""
from __future__ import annotations

import datetime
from typing import Any, Callable, Optional

import babel.dates
import ckan.lib.helpers as core_helpers
import ckan.plugins.toolkit as tk
from flask import has_request_context

from ckanext.datong import clock


def _chinese() -> bool:
    """Whether the page is written in Chinese (outside a request: the default locale)."""
    language = core_helpers.lang() if has_request_context() else None
    return not language or language.startswith("zh")


def _moment(value: Any) -> Optional[datetime.datetime]:
    """A datetime or ISO text as an aware Beijing datetime; None for anything else."""
    if isinstance(value, str):
        try:
            value = core_helpers.date_str_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return clock.beijing(value) if isinstance(value, datetime.datetime) else None


@tk.chained_helper
def render_datetime(next_helper: Callable[..., str], datetime_: Any,
                    date_format: Optional[str] = None, with_hours: bool = False,
                    with_seconds: bool = False) -> str:
    """2026年12月3日, with hours 2026年12月3日 11:21, Beijing time; an explicit `date_format`
    (strftime) is applied to the Beijing time, so %z reads +0800."""
    moment = _moment(datetime_)
    if moment is None:
        return ""
    if date_format:
        return next_helper(moment, date_format, with_hours, with_seconds)
    if not _chinese():
        return _localised(moment, with_hours, with_seconds)
    if with_hours or with_seconds:
        return clock.beijing_text(moment, seconds=with_seconds)
    return clock.chinese_date(moment)


def _localised(moment: datetime.datetime, with_hours: bool, with_seconds: bool) -> str:
    """December 3, 2026, 11:21 (Beijing time) in the page's locale."""
    pattern = "MMMM d, y" + (", HH:mm:ss" if with_seconds else ", HH:mm" if with_hours else "")
    text = babel.dates.format_datetime(moment, pattern, tzinfo=clock.BEIJING,
                                       locale=core_helpers.lang() or "en")
    return f"{text} ({tk._('Beijing time')})" if with_hours or with_seconds else text


@tk.chained_helper
def time_ago_from_timestamp(next_helper: Callable[..., str], timestamp: Any) -> str:
    """3分钟前, 2天前 (CKAN's words in another locale)."""
    moment = _moment(timestamp)
    if moment is None or not _chinese():
        return next_helper(moment or timestamp)
    return clock.relative_text(moment)
