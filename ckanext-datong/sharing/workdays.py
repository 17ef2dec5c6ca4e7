"""Working-day deadlines of sharing requests, in Beijing dates.

China's official holidays and adjusted working days (调休) come from chinese-calendar for the
years it knows, and from the schedule file (schemas/holidays.yaml, or the file named by
`ckanext.datong.sharing.holidays_file`) for later years; a year in the file overrides
chinese-calendar. A year known to neither is counted Monday–Friday and the deadline says so.
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import importlib.resources
import logging
import os
import re
from typing import Any

import chinese_calendar
import ckan.plugins.toolkit as tk
import yaml

from ckanext.datong.clock import BEIJING

log = logging.getLogger(__name__)

HOLIDAYS_FILE_OPTION = "ckanext.datong.sharing.holidays_file"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEYS = {"source", "holidays", "workdays"}
_DATE_HINT = "应写作 2027-10-01，或闭区间 2027-10-01..2027-10-07"


class _Loader(yaml.SafeLoader):
    """Safe YAML with dates left as text, so that an impossible date is reported, not raised."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclasses.dataclass(frozen=True)
class Deadline:
    """The last working day a step is still on time, and how sure that date is."""

    due: datetime.date
    unknown_years: tuple[int, ...]

    @property
    def estimated(self) -> bool:
        """True when some year was counted Monday–Friday for want of its schedule."""
        return bool(self.unknown_years)

    def note(self) -> str:
        """The caveat to show next to an estimated deadline; "" when the date is exact."""
        if not self.estimated:
            return ""
        years = "、".join(f"{year}年" for year in self.unknown_years)
        which = "该年度" if len(self.unknown_years) == 1 else "这些年度的"
        return (f"{years}的法定节假日和调休安排尚未录入，截止日期按周一至周五推算，仅供参考；"
                f"请数据主管部门补录{which}安排")


@dataclasses.dataclass(frozen=True)
class _Year:
    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]


Schedule = dict[int, _Year]


def _calendar() -> Schedule:
    """chinese-calendar's official schedule, as one entry per year it knows."""
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    return {year: _Year(frozenset(day for day in chinese_calendar.holidays if day.year == year),
                        frozenset(day for day in chinese_calendar.workdays if day.year == year))
            for year in range(first, last + 1)}


_CALENDAR = _calendar()


def holidays_file() -> str:
    """The configured schedule file; "" means the shipped schemas/holidays.yaml."""
    return (tk.config.get(HOLIDAYS_FILE_OPTION, "") or "").strip()


def add_working_days(start: datetime.datetime | datetime.date, days: int) -> Deadline:
    """The deadline `days` working days after `start` (the filing day itself not counted).

    An aware datetime is taken in Beijing time; a naive one is read as a Beijing date."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    schedule = _schedule()
    day = _beijing_date(start)
    unknown: set[int] = set()
    while days:
        day += datetime.timedelta(days=1)
        working, known = _is_working_day(day, schedule)
        if not known:
            unknown.add(day.year)
        days -= working
    return Deadline(due=day, unknown_years=tuple(sorted(unknown)))


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before
    `start` (with `start` a deadline and `end` today: minus the working days overdue)."""
    if end < start:
        return -working_days_between(end, start)
    schedule = _schedule()
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        count += _is_working_day(day, schedule)[0]
    return count


def is_working_day(day: datetime.date) -> tuple[bool, bool]:
    """(working, known): whether people work on `day`, and whether that comes from an official
    schedule rather than the Monday–Friday rule."""
    return _is_working_day(day, _schedule())


def schedule_problems(path: str | None = None) -> list[str]:
    """The problems of the schedule file (the configured one by default), in Chinese; [] when
    the file is fine."""
    return _read(path or _schedule_path())[1]


def _is_working_day(day: datetime.date, schedule: Schedule) -> tuple[bool, bool]:
    year = schedule.get(day.year)
    if year is None:
        return day.weekday() < 5, False
    return day in year.workdays or (day.weekday() < 5 and day not in year.holidays), True


def _beijing_date(moment: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(BEIJING)
        return moment.date()
    return moment


def _schedule_path() -> str:
    return holidays_file() or _shipped_file()


@functools.cache
def _shipped_file() -> str:
    return str(importlib.resources.files("ckanext.datong.schemas") / "holidays.yaml")


def _schedule() -> Schedule:
    """chinese-calendar's years overridden by the configured file's, parsed again only when
    the file changes."""
    path = _schedule_path()
    try:
        mtime: int | None = os.stat(path).st_mtime_ns
    except OSError:
        mtime = None
    return _load(path, mtime)


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime: int | None) -> Schedule:
    """The merged schedule; a file with problems is ignored entirely (and logged)."""
    years, problems = _read(path)
    if problems:
        log.error("节假日安排文件有误，已整体忽略：%s", "；".join(problems))
        return _CALENDAR
    return {**_CALENDAR, **years}


def _read(path: str) -> tuple[Schedule, list[str]]:
    """The years of the file at `path` and its problems, each naming the file."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except (OSError, UnicodeDecodeError) as error:
        return {}, [f"节假日安排文件 {path} 无法读取：{error}"]
    years, problems = _parse(text)
    return years, [f"节假日安排文件 {path}：{problem}" for problem in problems]


def _parse(text: str) -> tuple[Schedule, list[str]]:
    """The schedule in `text` and its problems."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        return {}, [f"不是有效的 YAML：{' '.join(str(error).split())}"]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, ["应以年份为键，每年一段安排（见文件开头的示例）"]
    schedule: Schedule = {}
    problems: list[str] = []
    for key, entry in data.items():
        year = _year(key)
        if year is None:
            problems.append(f"「{key}」不是年份")
            continue
        days, year_problems = _parse_year(year, entry)
        problems += year_problems
        schedule[year] = days
    return schedule, problems


def _year(key: Any) -> int | None:
    text = str(key)
    return int(text) if re.fullmatch(r"\d{4}", text) else None


def _parse_year(year: int, entry: Any) -> tuple[_Year, list[str]]:
    if not isinstance(entry, dict):
        return _Year(frozenset(), frozenset()), [f"{year}年的安排应包含 source、holidays 和 workdays"]
    problems = [f"{year}年有未知的项「{key}」（只可使用 source、holidays、workdays）"
                for key in entry if key not in _KEYS]
    if not str(entry.get("source") or "").strip():
        problems.append(f"{year}年缺少 source（国务院办公厅通知的标题和文号）")
    if not entry.get("holidays"):
        problems.append(f"{year}年缺少 holidays（放假日期）")
    holidays = _days(year, "holidays", entry.get("holidays"), problems)
    workdays = _days(year, "workdays", entry.get("workdays"), problems)
    problems += [f"{year}年的 {day} 同时列为放假（holidays）和调休上班（workdays）"
                 for day in sorted(holidays & workdays)]
    return _Year(frozenset(holidays), frozenset(workdays)), problems


def _days(year: int, name: str, items: Any, problems: list[str]) -> set[datetime.date]:
    """The dates of list `name`, reporting bad items in `problems`."""
    if items is None:
        return set()
    if not isinstance(items, list):
        problems.append(f"{year}年的 {name} 应为日期列表（{_DATE_HINT}）")
        return set()
    days: set[datetime.date] = set()
    for item in items:
        span = _span(item)
        if span is None:
            problems.append(f"{year}年 {name} 中的「{item}」不是日期或日期区间（{_DATE_HINT}）")
            continue
        first, last = span
        if first.year != year or last.year != year:
            problems.append(f"{year}年 {name} 中的「{item}」不在{year}年内")
            continue
        days.update(first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    return days


def _span(item: Any) -> tuple[datetime.date, datetime.date] | None:
    """An item `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD` as (first, last) day."""
    parts = [part.strip() for part in str(item).split("..")]
    if len(parts) > 2 or not all(_DATE.fullmatch(part) for part in parts):
        return None
    try:
        first, last = (datetime.date.fromisoformat(part) for part in (parts[0], parts[-1]))
    except ValueError:
        return None
    return (first, last) if first <= last else None
