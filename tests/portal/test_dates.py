"""Dates in Beijing time, written the Chinese way: clock's forms and CKAN's date helpers
replaced by the extension (h.render_datetime, h.time_ago_from_timestamp)."""
from __future__ import annotations

import datetime

import pytest
import ckan.plugins.toolkit as tk

from ckanext.datong import clock

UTC = datetime.timezone.utc
MOMENT = datetime.datetime(2026, 12, 3, 3, 21, 5)
"""03:21:05 UTC, stored naive as CKAN stores it: 11:21 in Beijing."""


def test_beijing_text_and_date():
    assert clock.beijing_text(MOMENT) == "2026年12月3日 11:21"
    assert clock.beijing_text(MOMENT, seconds=True) == "2026年12月3日 11:21:05"
    assert clock.beijing_text("2026-12-03T03:21:05+00:00") == "2026年12月3日 11:21"
    assert clock.chinese_date(datetime.datetime(2026, 12, 3, 17, 0)) == "2026年12月4日"  # 01:00 next day
    assert clock.chinese_date(datetime.date(2026, 12, 3)) == "2026年12月3日"


@pytest.mark.parametrize("delta, text", [
    (datetime.timedelta(seconds=20), "刚刚"),
    (datetime.timedelta(minutes=3, seconds=10), "3分钟前"),
    (datetime.timedelta(hours=2), "2小时前"),
    (datetime.timedelta(days=5), "5天前"),
    (datetime.timedelta(days=95), "3个月前"),
    (datetime.timedelta(days=800), "2年前"),
    (-datetime.timedelta(minutes=10), "10分钟后"),
])
def test_relative_text(delta, text):
    reference = datetime.datetime(2026, 12, 3, 11, 0, tzinfo=clock.BEIJING)
    assert clock.relative_text(reference - delta, reference) == text


@pytest.mark.usefixtures("with_plugins")
def test_ckan_date_helpers_write_beijing_time(app):
    with app.flask_app.test_request_context("/"):
        assert tk.h.render_datetime(MOMENT) == "2026年12月3日"
        assert tk.h.render_datetime(MOMENT, with_hours=True) == "2026年12月3日 11:21"
        assert tk.h.render_datetime(MOMENT.isoformat(), with_hours=True, with_seconds=True) == "2026年12月3日 11:21:05"
        assert tk.h.render_datetime(MOMENT, date_format="%Y-%m-%dT%H:%M:%S%z") == "2026-12-03T11:21:05+0800"
        assert tk.h.render_datetime("not a date") == ""
        recent = datetime.datetime.now(UTC).replace(tzinfo=None) - datetime.timedelta(minutes=3, seconds=5)
        assert tk.h.time_ago_from_timestamp(recent) == "3分钟前"


@pytest.mark.usefixtures("with_plugins")
def test_the_english_locale_keeps_english_dates_in_beijing_time(app):
    with app.flask_app.test_request_context("/", environ_overrides={"CKAN_LANG": "en"}):
        text = tk.h.render_datetime(MOMENT, with_hours=True)
        assert "December 3, 2026" in text and "11:21" in text
        assert "UTC" not in text
