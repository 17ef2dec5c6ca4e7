"""A small public catalog for the DCAT tests: the data authority (the catalog's publisher),
a department with entries of every kind — open with every field and several formats
(Chinese-only labels, an interface, an unknown label), open on application — and entries that
must never be published: 不予开放, private."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Iterator

import pytest
from ckan import plugins

from tests import factories, worlds

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture(scope="module")
def catalog(reset_db) -> Iterator[SimpleNamespace]:
    plugins.load_all()
    reset_db()
    sysadmin = factories.SysadminWithToken()
    editor, county = factories.UserWithToken(), factories.UserWithToken()
    authority = worlds.authority()
    transport = worlds.department("大同市交通运输局", name="dt-jtj", editor=editor)
    worlds.county("平城区人民政府", "140213", name="dt-pcq", member=county)
    lines = factories.Dataset(
        name="bus-lines", title="大同市公交线路", owner_org=transport["id"], industry_domain="交通",
        theme=["公共服务", "城乡建设"], update_frequency="每日", publish_date="2024-03-01",
        tags=[{"name": "公交"}, {"name": "线路"}], license_id="cc-by",
        resources=[
            {"url": "https://data.example/lines.csv", "name": "线路表", "format": "CSV",
             "hash": SHA256},
            {"url": "https://data.example/lines.xlsx", "name": "线路表（电子表格）", "format": "电子表格"},
            {"url": "https://data.example/api/lines", "name": "线路接口", "format": "接口"},
            {"url": "https://data.example/lines.dat", "name": "线路原始数据", "format": "某种格式"},
        ])
    stops = factories.Dataset(
        name="bus-stops", title="大同市公交站点", owner_org=transport["id"], industry_domain="交通",
        theme=["公共服务"], update_frequency="每季度", share_type="有条件共享",
        share_condition="仅用于公共交通管理", open_type="有条件开放",
        open_condition="签署数据利用协议后提供", data_grade="一般-2", license_id="datong-use",
        resources=[{"url": "https://data.example/stops.csv", "name": "站点表", "format": "CSV",
                    "hash": SHA256}])
    closed = factories.Dataset(
        name="bus-drivers", title="大同市公交驾驶员信息", owner_org=transport["id"],
        industry_domain="交通", open_type="不予开放", data_grade="一般-4",
        resources=[{"url": "https://data.example/drivers.csv", "name": "驾驶员表", "format": "CSV"}])
    private = factories.Dataset(
        name="bus-plans", title="大同市公交线网规划草案", owner_org=transport["id"],
        industry_domain="交通", private=True,
        resources=[{"url": "https://data.example/plans.csv", "name": "规划表", "format": "CSV"}])
    yield SimpleNamespace(sysadmin=sysadmin, editor=editor, county=county, authority=authority,
                          transport=transport, lines=lines, stops=stops, closed=closed,
                          private=private)
    plugins.unload_all()
