"""Every figure of the dashboards against the world of conftest.py, counted by hand there and
in the comments here."""
from __future__ import annotations

from typing import Any

import pytest

from ckanext.datong.dashboards import facts, harvest_health, sharing_stats
from ckanext.datong.sharing import workflow

REQUIRED = ("title", "resource_class", "notes", "industry_domain", "catalog_format", "share_type",
            "open_type", "update_frequency", "spatial_scope", "data_grade")
"""The fields schemas/dataset.yaml marks required: true, read by hand."""


def section(dashboard: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in dashboard["sections"] if s["key"] == key)


def summary(dashboard: dict[str, Any], key: str) -> dict[str, Any]:
    return {figure["label"]: figure["value"] for figure in section(dashboard, key)["summary"]}


def rows(dashboard: dict[str, Any], table_key: str) -> dict[Any, list]:
    """A table's rows by their first cell."""
    for s in dashboard["sections"]:
        for table in s["tables"]:
            if table["key"] == table_key:
                return {row[0]: row[1:] for row in table["rows"]}
    raise KeyError(table_key)


@pytest.fixture(scope="module")
def city(world) -> dict[str, Any]:
    return world.call("authority", "datong_dashboard_show")


@pytest.fixture(scope="module")
def traffic(world) -> dict[str, Any]:
    return world.call("owner", "datong_dashboard_show")


def test_required_fields_come_from_the_schema(world) -> None:
    assert facts.required_fields() == REQUIRED
    assert facts.required_item_fields() == ("item_name", "data_type")


def test_compilation_of_the_city(city) -> None:
    # 9 entries; required fields complete: all but A5 (8/9); 信息项 complete: all but A4 (8/9);
    # attached: A1 A3 A4 B1 B2 C1 (6/9); API: A3 (format API) and B1 (DataStore table)
    assert summary(city, "compilation") == {"目录数": 9, "必填项完整率（%）": 88.9,
                                            "信息项完整率（%）": 88.9, "挂接率（%）": 66.7, "接口数": 2}
    departments = rows(city, "compilation_departments")
    # columns: kind, entries, complete, %, items complete, %, attached, %, API
    assert departments["大同市交通运输局"] == ["市直部门", 5, 4, 80.0, 4, 80.0, 3, 60.0, 1]
    assert departments["大同市文化和旅游局"] == ["市直部门", 3, 3, 100.0, 3, 100.0, 2, 66.7, 1]
    assert departments["大同市数据局"] == ["数据主管部门", 0, 0, None, 0, None, 0, None, 0]
    assert rows(city, "compilation_counties") == {
        "阳高县人民政府办公室": ["县区", 1, 1, 100.0, 1, 100.0, 1, 100.0, 0]}


def test_timeliness_of_the_city(city) -> None:
    # judged: all but A4 (其他) = 8; late: A2 (每日, 5 days > 2) and B1 (每季度, 200 > 107);
    # on time: A1, A3 (100 ≤ 396), A5 (3 ≤ 10), B2, B3, C1 → 6/8 = 75 %
    assert summary(city, "timeliness") == {"更新及时率（%）": 75.0, "逾期数": 2, "不定期数": 1}
    organizations = rows(city, "timeliness_organizations")
    # judged, on time, late, rate, irregular
    assert organizations["大同市交通运输局"] == [4, 3, 1, 75.0, 1]
    assert organizations["大同市文化和旅游局"] == [3, 2, 1, 66.7, 0]
    assert organizations["阳高县人民政府办公室"] == [1, 1, 0, 100.0, 0]
    assert organizations["大同市数据局"] == [0, 0, 0, None, 0]
    cycles = rows(city, "timeliness_cycles")
    # allowed days, entries, late, rate
    assert cycles == {
        "实时": [2, 0, 0, None], "每日": [2, 1, 1, 0.0], "每周": [10, 1, 0, 100.0],
        "每月": [38, 3, 0, 100.0], "每季度": [107, 1, 1, 0.0], "每半年": [213, 0, 0, None],
        "每年": [396, 2, 0, 100.0], "其他": [None, 1, 0, None]}


def test_targets_of_the_city(city) -> None:
    # high quality (score ≥ 80, complete): A1 100, A3 100, B2 87.5, C1 100; not: A2 55 (late,
    # nothing attached), A4 74.8 (no 信息项), A5 52.3 (incomplete, 不予开放), B1 75 (late),
    # B3 55 (不予开放, nothing attached). Use cases: 交通 2, 文旅 1 (农情监测 deleted).
    domains = rows(city, "targets_domains")
    # entries, high quality, target, gap, use cases, target, gap, met
    assert domains["交通"] == [5, 2, 2, 0, 2, 2, 0, "是"]
    assert domains["文旅"] == [3, 1, 2, 1, 1, 2, 1, "否"]
    assert domains["农业"] == [1, 1, 2, 1, 0, 2, 2, "否"]
    assert domains["气象"] == [0, 0, 2, 2, 0, 2, 2, "否"]
    assert len(domains) == 11
    assert summary(city, "targets") == {"高质量数据集达标领域": "1/11", "典型案例达标领域": "1/11",
                                        "高质量数据集": 4, "典型案例": 3}
    organizations = rows(city, "targets_organizations")
    # entries, high quality, share, mean score: 交通 (100+55+100+74.8+52.3)/5 = 76.4;
    # 文旅 (75+87.5+55)/3 = 72.5
    assert organizations["大同市交通运输局"] == [5, 2, 40.0, 76.4]
    assert organizations["大同市文化和旅游局"] == [3, 1, 33.3, 72.5]
    assert organizations["阳高县人民政府办公室"] == [1, 1, 100.0, 100.0]


def test_sharing_of_the_city(world, city) -> None:
    # submitted: checking, reviewing, approved, rejected, automatic (the draft is not counted);
    # overdue: checking (due 2026-01-05); approved 2, of which automatic 1 → 50 %; answers
    # 3 and 5 working days → median 4
    assert summary(city, "sharing") == {"申请数": 5, "超期数": 1, "答复用时中位数（工作日）": 4.0,
                                        "自动批准占比（%）": 50.0}
    states = rows(city, "sharing_states")
    assert states == {"待符合性审核": [1], "待提供部门审核": [1], "退回修改": [0], "已批准": [2],
                      "已驳回": [1], "已撤回": [0], "异议处理中": [0]}
    # received, answered, median, overdue, automatic
    assert rows(city, "sharing_providers") == {"大同市交通运输局": [5, 2, 4.0, 1, 1]}


def test_overdue_is_the_workflows_rule(world) -> None:
    from ckan import model

    from ckanext.datong.model import Request

    found = sharing_stats.rows(None, world.today)
    assert sum(r.overdue for r in found) == sum(
        workflow.overdue(request, world.today) for request in model.Session.query(Request))


def test_harvest_of_the_city(city) -> None:
    # failing: 交通局目录采集 (gather error); stale: 文旅局目录采集 (DAILY, registered 10 days
    # ago, never harvested); healthy: 阳高县目录采集
    assert summary(city, "harvest") == {"采集来源": 3, "失败": 1, "过期": 1}
    sources = rows(city, "harvest_sources")
    assert list(sources) == ["交通局目录采集", "文旅局目录采集"]
    assert sources["交通局目录采集"][0] == "大同市交通运输局"
    assert sources["交通局目录采集"][-1] == "失败"
    assert sources["文旅局目录采集"][-1] == "过期"
    assert sources["文旅局目录采集"][3] == "从未"


def test_a_department_sees_its_own_figures_only(traffic) -> None:
    assert traffic["scope"]["title"] == "大同市交通运输局"
    assert summary(traffic, "compilation") == {"目录数": 5, "必填项完整率（%）": 80.0,
                                               "信息项完整率（%）": 80.0, "挂接率（%）": 60.0, "接口数": 1}
    assert list(rows(traffic, "compilation_departments")) == ["大同市交通运输局"]
    assert rows(traffic, "compilation_counties") == {}
    assert summary(traffic, "timeliness") == {"更新及时率（%）": 75.0, "逾期数": 1, "不定期数": 1}
    # its 交通 use case is 公交线网优化 only (智慧停车 names no organization)
    assert rows(traffic, "targets_domains")["交通"] == [5, 2, 2, 0, 1, 2, 1, "否"]
    assert rows(traffic, "targets_domains")["文旅"] == [0, 0, 2, 2, 0, 2, 2, "否"]
    assert summary(traffic, "sharing")["申请数"] == 5
    assert summary(traffic, "harvest") == {"采集来源": 1, "失败": 1, "过期": 0}


def test_another_department_sees_none_of_the_first(world) -> None:
    culture = world.call("other", "datong_dashboard_show")
    assert culture["scope"]["title"] == "大同市文化和旅游局"
    # its own 不予共享 B3 counts for itself
    assert summary(culture, "compilation")["目录数"] == 3
    assert summary(culture, "sharing")["申请数"] == 0
    assert rows(culture, "sharing_providers") == {}
    assert summary(culture, "harvest") == {"采集来源": 1, "失败": 0, "过期": 1}


def test_the_authority_opens_a_departments_dashboard(world) -> None:
    shown = world.call("authority", "datong_dashboard_show", organization=world.orgs["other"]["name"])
    assert summary(shown, "compilation")["目录数"] == 3


def test_harvest_degrades_without_the_plugin(world, monkeypatch) -> None:
    monkeypatch.setattr(harvest_health, "enabled", lambda: False)
    shown = world.call("authority", "datong_dashboard_show")
    harvest = section(shown, "harvest")
    assert harvest["tables"] == [] and harvest["summary"] == []
    assert harvest["note"] == "本平台未启用数据采集"
