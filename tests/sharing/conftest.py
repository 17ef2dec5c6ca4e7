"""A municipal world for sharing tests, built once per module through CKAN's actions: the
users of tests.worlds.city (the owner is the civil-affairs bureau's editor) plus a second
county and a second provider editor; a conditionally shared register of elderly-care homes
with a DataStore table whose 行政区划代码 column spreads rows over three counties; an entry
with an item that is never shared; an unconditionally shared entry; and an automatic
scenario for counties."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterator

import pytest
from ckan import model, plugins
from ckan.tests import helpers

from tests import factories, worlds
from tests.access.conftest import make_entry, upload_csv

HOMES_ITEMS = [
    {"item_name": "机构名称", "data_type": "C", "item_grade": "一般-1"},
    {"item_name": "行政区划代码", "data_type": "C", "item_grade": "一般-1"},
    {"item_name": "床位数", "data_type": "I", "item_grade": "一般-1"},
    {"item_name": "联系电话", "data_type": "C", "personal_info": "true", "item_grade": "一般-3"},
]
HOMES_ROWS = [
    ("阳高县龙泉镇敬老院", "140221100000", 60, "0352-6621001"),
    ("阳高县城区养老中心", "140221001000", 120, "0352-6621002"),
    ("天镇县玉泉镇敬老院", "140222100000", 45, "0352-6731001"),
    ("平城区康乐养老院", "140213002000", 200, "0352-2011001"),
    ("平城区福寿园", "140213004000", 80, "0352-2011002"),
]
"""(机构名称, 行政区划代码, 床位数, 联系电话): two rows in 阳高县 (140221), one in 天镇县."""


@dataclasses.dataclass
class World(worlds.City):
    entries: dict[str, dict[str, Any]]
    resources: dict[str, dict[str, Any]]
    scenario: dict[str, Any]

    def call(self, role: str, action: str, **data: Any) -> Any:
        """Call `action` as `role`, auth checked."""
        return helpers.call_action(action, context=self.context(role), **data)


def homes_table(creator: dict[str, Any], resource_id: str) -> None:
    helpers.call_action(
        "datastore_create", context={"user": creator["name"]}, resource_id=resource_id,
        force=True,
        fields=[{"id": "机构名称", "type": "text"}, {"id": "行政区划代码", "type": "text"},
                {"id": "床位数", "type": "int"}, {"id": "联系电话", "type": "text"}],
        records=[dict(zip(("机构名称", "行政区划代码", "床位数", "联系电话"), row))
                 for row in HOMES_ROWS])


def request_fields(world: World, **fields: Any) -> dict[str, Any]:
    """datong_request_create fields for the homes register, every item, as a county official."""
    import datetime

    from ckanext.datong import clock

    start = clock.now().date()
    return {"entries": [{"package_id": world.entries["homes"]["id"]}],
            "purpose": "核对本县养老机构床位，用于养老服务补贴发放",
            "basis": "《山西省养老服务条例》第十五条", "start_date": start.isoformat(),
            "end_date": (start + datetime.timedelta(days=179)).isoformat(),
            "frequency": "每月", "delivery": "接口", "territory": "own",
            "contact_name": "王科长", "contact_phone": "0352-6620000", "commitment": True,
            **fields}


@pytest.fixture(scope="module")
def world(reset_db) -> Iterator[World]:
    plugins.load_all()
    reset_db()
    city = worlds.city("share", worlds.Offices(owner="大同市民政局", other_dept="大同市文化和旅游局",
                                               county="阳高县民政局", county_region="140221"),
                       token_name="sharing-tests")
    sysadmin = city.users["sysadmin"]
    city.users["other_county"] = factories.User(name="share-other-county")
    city.users["owner_admin"] = factories.User(name="share-owner-admin", email="admin@mz.example")
    city.orgs["other_county"] = worlds.organization(sysadmin, "天镇县民政局", worlds.COUNTY, "140222",
                                                    member=city.users["other_county"])
    helpers.call_action("organization_member_create", context={"user": sysadmin["name"]},
                        id=city.orgs["owner"]["id"], username="share-owner-admin", role="admin")
    for role in ("other_county", "owner_admin"):
        city.tokens[role] = worlds.token(city.users[role], "sharing-tests")
    owner = city.orgs["owner"]
    entries = {
        "homes": make_entry(sysadmin, owner, "大同市养老服务机构名录", name="homes",
                            share_type="有条件共享", share_condition="用于养老服务监管",
                            open_type="不予开放", data_grade="一般-3", items=HOMES_ITEMS,
                            region_item="行政区划代码"),
        "subsidies": make_entry(
            sysadmin, owner, "高龄津贴发放名册", name="subsidies", share_type="有条件共享",
            share_condition="用于民政业务", open_type="不予开放", data_grade="一般-3",
            items=[{"item_name": "姓名", "data_type": "C", "item_grade": "一般-3"},
                   {"item_name": "身份证号", "data_type": "C", "item_grade": "一般-3",
                    "item_share_type": "不予共享", "personal_info": "true"}]),
        "open": make_entry(sysadmin, owner, "婚姻登记机关名录", name="marriage-offices"),
        "hidden": make_entry(sysadmin, owner, "低保对象明细", name="hidden-assistance",
                             share_type="不予共享", share_condition="《社会救助暂行办法》第六十六条",
                             open_type="不予开放", data_grade="重要"),
    }
    body = "机构名称,行政区划代码,床位数,联系电话\n" + "".join(
        f"{name},{code},{beds},{phone}\n" for name, code, beds, phone in HOMES_ROWS)
    resources = {"homes": upload_csv(sysadmin, entries["homes"]["id"], "养老机构.csv", body)}
    homes_table(sysadmin, resources["homes"]["id"])
    scenario = helpers.call_action(
        "datong_scenario_create", context=city.context("authority"),
        name="县区养老服务补贴核对", description="县区民政部门按属地核对养老机构床位",
        legal_basis="《山西省养老服务条例》第十五条", requester_kinds=[worlds.COUNTY],
        coverage=[{"package_id": entries["homes"]["id"],
                   "items": ["机构名称", "行政区划代码", "床位数"]}],
        max_grade="一般-3", max_days=366, delivery_methods=["接口"], territory="own",
        route="automatic")
    yield World(**vars(city), entries=entries, resources=resources, scenario=scenario)
    helpers.call_action("datastore_delete", context={"user": sysadmin["name"]},
                        resource_id=resources["homes"]["id"], force=True)
    plugins.unload_all()


@pytest.fixture
def fresh(world: World) -> Iterator[World]:
    """The world with the requests, grants and notices of earlier tests removed."""
    from ckanext.datong.model import Grant, Notice, Request

    yield world
    model.Session.rollback()
    model.Session.query(Notice).delete()
    model.Session.query(Grant).delete()
    model.Session.query(Request).delete()
    model.Session.commit()
