"""A small catalog shared by the search tests of one module, built through CKAN's actions."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from ckan import plugins
from ckan.tests import helpers

from tests import factories, worlds


def create_dataset(user: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return helpers.call_action("package_create", context={"user": user["name"]},
                               **factories.entry(**fields))


@pytest.fixture(scope="module")
def catalog(reset_db) -> Iterator[SimpleNamespace]:
    """Two departments, their members, a citizen and six datasets covering the query forms."""
    plugins.load_all()
    reset_db()
    admin = factories.Sysadmin()
    transport_editor, culture_editor, citizen = factories.User(), factories.User(), factories.User()
    transport = worlds.department("大同市交通运输局", name="dt-jtj", editor=transport_editor)
    culture = worlds.department("大同市文化和旅游局", name="dt-wlj", editor=culture_editor)
    bus = create_dataset(
        admin, name="bus-lines", title="大同市公交线路信息", owner_org=transport["id"],
        notes="全市公交线路的起止站点、途经站点与首末班时间。", license_id="cc-by",
        tags=[{"name": "公交"}, {"name": "交通"}],
        resources=[{"url": "http://example.com/lines.csv", "format": "CSV"},
                   {"url": "http://example.com/lines.json", "format": "JSON"}])
    grottoes = create_dataset(
        admin, name="yungang-visitors", title="云冈石窟景区客流量统计", owner_org=culture["id"],
        notes="云冈石窟景区每日入园人数与高峰时段。", license_id="datong-open",
        tags=[{"name": "旅游"}, {"name": "文旅"}],
        resources=[{"url": "http://example.com/visitors.xlsx", "format": "XLSX"}])
    air = create_dataset(
        admin, name="air-quality", title="全市空气质量监测数据", owner_org=culture["id"], private=True,
        notes="各监测站点的空气质量指数。", tags=[{"name": "空气质量"}],
        resources=[{"url": "http://example.com/air.csv", "format": "CSV"}])
    stops = create_dataset(
        admin, name="bus-stops", title="Bus stops of Datong", owner_org=transport["id"],
        notes="Locations of the bus stops served by the city buses.", license_id="cc-by",
        tags=[{"name": "bus"}, {"name": "交通"}],
        resources=[{"url": "http://example.com/stops.csv", "format": "CSV"}])
    clinics = create_dataset(
        admin, name="medical-insurance-clinics", title="医保定点医疗机构名录", owner_org=transport["id"],
        notes="医保定点医院和药店的名称、地址与联系电话。", tags=[{"name": "医保"}],
        update_frequency="每季度")
    draft = create_dataset(
        transport_editor, name="draft-taxi", title="出租车运营情况（草稿）", owner_org=transport["id"],
        state="draft", tags=[{"name": "交通"}])
    yield SimpleNamespace(
        admin=admin, transport_editor=transport_editor, culture_editor=culture_editor,
        citizen=citizen, transport=transport, culture=culture, bus=bus, grottoes=grottoes,
        air=air, stops=stops, clinics=clinics, draft=draft)
    plugins.unload_all()


def search(user: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    """package_search as `user` (anonymous when None)."""
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return helpers.call_action("package_search", context=context, **params)


def names(result: dict[str, Any]) -> set[str]:
    return {dataset["name"] for dataset in result["results"]}
