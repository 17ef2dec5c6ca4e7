"""The dashboards over the real demo data (config/demo/): the figures agree with what the YAML
files say, counted from the files here rather than from the database."""
from __future__ import annotations

import collections
import os
from typing import Any

import pytest
from ckan.tests import helpers

from ckanext.datong import demo
from ckanext.datong.dashboards import targets, timeliness
from tests.portal.conftest import demo_site  # noqa: F401  (the demo catalog, loaded per module)

DEMO_DIR = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "config", "demo")


@pytest.fixture(scope="module")
def city(demo_site) -> dict[str, Any]:  # noqa: F811
    return helpers.call_action("datong_dashboard_show", context={"user": "sjj-reviewer", "ignore_auth": False})


def _rows(dashboard: dict[str, Any], key: str) -> dict[Any, list]:
    table = next(t for s in dashboard["sections"] for t in s["tables"] if t["key"] == key)
    return {row[0]: row[1:] for row in table["rows"]}


def _summary(dashboard: dict[str, Any], key: str) -> dict[str, Any]:
    section = next(s for s in dashboard["sections"] if s["key"] == key)
    return {figure["label"]: figure["value"] for figure in section["summary"]}


def test_entries_per_organization_are_the_yamls(city) -> None:
    datasets = demo.read_datasets(DEMO_DIR)
    titles = {org["name"]: org["title"] for org in demo.read_yaml(DEMO_DIR, "organizations.yaml")}
    expected = collections.Counter(titles[d["owner_org"]] for d in datasets)
    shown = {**_rows(city, "compilation_departments"), **_rows(city, "compilation_counties")}
    assert len(shown) == len(titles)
    assert {title: row[1] for title, row in shown.items() if row[1]} == dict(expected)
    # every demo entry has its required fields and at least one file or link, and all but
    # those without 信息项 have complete 信息项
    with_items = sum(1 for d in datasets if d.get("items"))
    assert _summary(city, "compilation") == {
        "目录数": len(datasets), "必填项完整率（%）": 100.0,
        "信息项完整率（%）": round(100 * with_items / len(datasets), 1), "挂接率（%）": 100.0,
        "接口数": _summary(city, "compilation")["接口数"]}


def test_just_loaded_entries_are_on_time(city) -> None:
    datasets = demo.read_datasets(DEMO_DIR)
    irregular = sum(1 for d in datasets if d["update_frequency"] == timeliness.IRREGULAR)
    assert _summary(city, "timeliness") == {"更新及时率（%）": 100.0, "逾期数": 0, "不定期数": irregular}


def test_use_cases_per_domain_are_the_yamls(city) -> None:
    cases = collections.Counter(c["domain"] for c in demo.read_yaml(DEMO_DIR, "use_cases.yaml"))
    domains = _rows(city, "targets_domains")
    assert {domain: row[4] for domain, row in domains.items() if row[4]} == dict(cases)
    met = {domain for domain, row in domains.items() if row[7] == "是"}
    assert met and met < set(domains)  # some domains meet the plan's targets, some do not
    assert met <= {domain for domain, count in cases.items() if count >= targets.TARGET_USE_CASES}


def test_the_demo_logins_open_their_dashboards(demo_site) -> None:  # noqa: F811
    from tests import worlds

    app = helpers._get_test_app()
    for user, heading in (("sjj-reviewer", "数据看板：全市"), ("jtj-editor", "数据看板：大同市交通运输局")):
        page = app.get("/dashboards/", headers={"Authorization": worlds.token({"name": user})})
        assert page.status_code == 200 and heading in page.get_data(as_text=True)
    assert app.get("/dashboards/", headers={"Authorization": worlds.token({"name": "citizen-demo"})}
                   ).status_code == 403
    assert "公交线网优化与实时到站服务" in app.get("/use-cases/").get_data(as_text=True)
