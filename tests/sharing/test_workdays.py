"""Working-day deadlines against chinese-calendar's real 2026 schedule and the holiday file."""
from __future__ import annotations

import datetime
import os
import pathlib
import tempfile
from typing import Iterator

import chinese_calendar
import pytest

from ckanext.datong.sharing import workdays
from ckanext.datong.sharing.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.usefixtures("ckan_config")

OPTION = workdays.HOLIDAYS_FILE_OPTION
SHIPPED = pathlib.Path(__file__).parents[2] / "schemas" / "holidays.yaml"
# The marker needs the path before any fixture runs: one per test process.
ENTERED = pathlib.Path(tempfile.gettempdir()) / f"datong-holidays-entered-{os.getpid()}.yaml"
BROKEN = pathlib.Path(tempfile.gettempdir()) / f"datong-holidays-broken-{os.getpid()}.yaml"

# Made-up test data, not the real 2027 schedule; the 2026 entry deliberately differs from
# chinese-calendar (only National Day, no adjusted working days) to show the file wins.
ENTERED_TEXT = """
2027:
  source: 测试用安排（虚构）
  holidays:
    - 2027-01-01..2027-01-03
  workdays:
    - 2027-01-09
2026:
  source: 测试用更正（虚构）
  holidays:
    - 2026-10-01..2026-10-07
"""

MALFORMED_TEXT = """
2027:
  holidays:
    - 2027-02-30
    - 2028-01-01
    - 2027-10-01..2027-10-07
  workdays:
    - 2027-10-02
  workday:
    - 2027-10-09
"""


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.fixture
def schedule_files() -> Iterator[None]:
    ENTERED.write_text(ENTERED_TEXT, encoding="utf-8")
    BROKEN.write_text(MALFORMED_TEXT, encoding="utf-8")
    yield
    ENTERED.unlink()
    BROKEN.unlink()


def test_deadline_skips_national_day_and_counts_its_adjusted_saturday() -> None:
    # 9-30 (1), 10-01..10-07 off, 10-08 (2), 10-09 (3), Saturday 10-10 调休上班 (4), 10-12 (5).
    assert add_working_days(day("2026-09-29"), 5) == workdays.Deadline(day("2026-10-12"), ())
    assert is_working_day(day("2026-10-10")) == (True, True)


def test_adjusted_saturday_before_spring_festival_is_a_working_day() -> None:
    assert day("2026-02-14").weekday() == 5
    assert add_working_days(day("2026-02-13"), 1).due == day("2026-02-14")
    assert add_working_days(day("2026-02-13"), 2).due == day("2026-02-24")


def test_friday_filing_skips_the_weekend() -> None:
    assert add_working_days(day("2026-11-13"), 2).due == day("2026-11-17")


def test_filing_moment_is_taken_as_a_beijing_date() -> None:
    # 2026-10-09 16:30 UTC is Saturday 10-10 00:30 in Beijing: the next working day is Monday.
    aware = datetime.datetime(2026, 10, 9, 16, 30, tzinfo=datetime.timezone.utc)
    assert add_working_days(aware, 1).due == day("2026-10-12")
    assert add_working_days(datetime.datetime(2026, 10, 9, 23, 0), 1).due == day("2026-10-10")


def test_at_least_one_working_day() -> None:
    with pytest.raises(ValueError):
        add_working_days(day("2026-11-13"), 0)


def test_every_2026_day_agrees_with_chinese_calendar() -> None:
    first = day("2026-01-01")
    for offset in range(365):
        date = first + datetime.timedelta(days=offset)
        assert is_working_day(date) == (chinese_calendar.is_workday(date), True), date


def test_shipped_file_enters_no_year_so_2027_is_estimated() -> None:
    assert workdays.schedule_problems(str(SHIPPED)) == []
    deadline = add_working_days(day("2026-12-24"), 10)
    assert deadline.due == day("2027-01-07")  # 2027-01-01 counted as a Friday
    assert deadline.unknown_years == (2027,)
    assert deadline.estimated
    assert "2027年的法定节假日和调休安排尚未录入" in deadline.note()
    assert "仅供参考" in deadline.note()
    assert is_working_day(day("2027-01-01")) == (True, False)


def test_deadline_inside_2026_is_not_estimated() -> None:
    deadline = add_working_days(day("2026-12-24"), 2)
    assert deadline.due == day("2026-12-28")
    assert not deadline.estimated
    assert deadline.note() == ""


def test_commented_example_is_valid_and_matches_chinese_calendar(tmp_path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    example = "\n".join(line[2:] for line in text[text.index("# 2026:"):].splitlines())
    (tmp_path / "example.yaml").write_text(example, encoding="utf-8")
    assert workdays.schedule_problems(str(tmp_path / "example.yaml")) == []
    entered = workdays._parse(example)[0][2026]
    first = day("2026-01-01")
    for offset in range(365):
        date = first + datetime.timedelta(days=offset)
        working = date in entered.workdays or (date.weekday() < 5 and date not in entered.holidays)
        assert working == chinese_calendar.is_workday(date), date


@pytest.mark.ckan_config(OPTION, str(ENTERED))
def test_entered_year_is_honoured(schedule_files) -> None:
    assert workdays.schedule_problems() == []
    # 12-31 (1), 2027-01-01..03 off, 01-04..08 (2–6), Saturday 01-09 调休上班 (7).
    deadline = add_working_days(day("2026-12-30"), 7)
    assert deadline == workdays.Deadline(day("2027-01-09"), ())
    assert deadline.note() == ""
    assert is_working_day(day("2027-01-01")) == (False, True)
    assert is_working_day(day("2027-01-09")) == (True, True)
    assert is_working_day(day("2028-01-03")) == (True, False)


@pytest.mark.ckan_config(OPTION, str(ENTERED))
def test_entered_year_overrides_chinese_calendar(schedule_files) -> None:
    assert is_working_day(day("2026-02-16")) == (True, True)  # Spring Festival not entered
    assert is_working_day(day("2026-10-10")) == (False, True)  # no adjusted Saturday entered


@pytest.mark.ckan_config(OPTION, str(ENTERED))
def test_edited_file_is_read_again(schedule_files) -> None:
    assert is_working_day(day("2027-01-01")) == (False, True)
    ENTERED.write_text(ENTERED_TEXT.replace("2027-01-01..", "2027-01-02.."), encoding="utf-8")
    later = ENTERED.stat().st_mtime_ns + 1_000_000_000
    os.utime(ENTERED, ns=(later, later))
    assert is_working_day(day("2027-01-01")) == (True, True)


def test_malformed_file_problems_are_listed_in_chinese(tmp_path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(MALFORMED_TEXT, encoding="utf-8")
    problems = workdays.schedule_problems(str(path))
    assert all(problem.startswith(f"节假日安排文件 {path}：") for problem in problems)
    text = "\n".join(problems)
    assert "2027年缺少 source" in text
    assert "「2027-02-30」不是日期或日期区间" in text
    assert "「2028-01-01」不在2027年内" in text
    assert "2027-10-02 同时列为放假（holidays）和调休上班（workdays）" in text
    assert "未知的项「workday」" in text
    assert len(problems) == 5


def test_unreadable_yaml_and_missing_file(tmp_path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("2027:\n  holidays: [2027-01-01\n", encoding="utf-8")
    assert "不是有效的 YAML" in workdays.schedule_problems(str(path))[0]
    assert "无法读取" in workdays.schedule_problems(str(tmp_path / "missing.yaml"))[0]


@pytest.mark.ckan_config(OPTION, str(BROKEN))
def test_malformed_configured_file_is_ignored(schedule_files) -> None:
    assert workdays.schedule_problems()
    assert is_working_day(day("2027-10-01")) == (True, False)
    assert is_working_day(day("2026-10-01")) == (False, True)


def test_working_days_between_counts_after_start_and_is_negative_when_overdue() -> None:
    assert working_days_between(day("2026-09-30"), day("2026-10-09")) == 2
    assert working_days_between(day("2026-10-12"), day("2026-10-08")) == -3
    assert working_days_between(day("2026-10-08"), day("2026-10-08")) == 0
    for start in (day("2026-02-13"), day("2026-09-29"), day("2026-12-24")):
        for days in (1, 2, 5, 10):
            assert working_days_between(start, add_working_days(start, days).due) == days
