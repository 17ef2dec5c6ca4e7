"""A small municipal world for access tests, built once per module through CKAN's actions:
a user in every role with their organizations (tests.worlds.city), catalog entries covering
every combination of 开放属性 and 共享类型 (each with an uploaded CSV and a DataStore table),
and grants inserted directly in `datong_grant`."""
from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import pytest
from ckan import model, plugins
from ckan.tests import helpers
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from ckanext.datong.model import Grant
from tests import factories, worlds


def make_entry(creator: dict[str, Any], owner_org: dict[str, Any], title: str,
               **fields: Any) -> dict[str, Any]:
    """A catalog entry with every required field (tests.factories.ENTRY_DEFAULTS: 无条件共享,
    无条件开放, 一般-1) overridden by `fields`."""
    return helpers.call_action("package_create", context={"user": creator["name"]},
                               **factories.entry(title=title, owner_org=owner_org["id"], **fields))


def upload_csv(creator: dict[str, Any], package_id: str, filename: str, body: str) -> dict[str, Any]:
    """An uploaded CSV resource of `package_id`."""
    return helpers.call_action(
        "resource_create", context={"user": creator["name"]}, package_id=package_id,
        name=filename, format="CSV", url=filename,
        upload=FakeFileStorage(io.BytesIO(body.encode("utf-8")), filename))


def add_datastore_table(creator: dict[str, Any], resource_id: str) -> None:
    helpers.call_action("datastore_create", context={"user": creator["name"]},
                        resource_id=resource_id, force=True,
                        fields=[{"id": "线路", "type": "text"}, {"id": "站点数", "type": "int"}],
                        records=[{"线路": "1路", "站点数": 24}, {"线路": "2路", "站点数": 31}])


def insert_grant(package_id: str, *, user: Optional[dict[str, Any]] = None,
                 org: Optional[dict[str, Any]] = None, days: tuple[int, int] = (-1, 30),
                 **columns: Any) -> Grant:
    """A grant row written straight to the table (the sharing workflow comes later); `days`
    is the period relative to now."""
    now = datetime.datetime.now(datetime.timezone.utc)
    grant = Grant(package_id=package_id, grantee_user_id=user["id"] if user else None,
                  grantee_org_id=org["id"] if org else None,
                  valid_from=now + datetime.timedelta(days=days[0]),
                  valid_until=now + datetime.timedelta(days=days[1]), **columns)
    model.Session.add(grant)
    model.Session.commit()
    return grant


ITEMS = [
    {"item_name": "线路名称", "data_type": "C", "length": "20", "item_grade": "一般-1"},
    {"item_name": "驾驶员身份证号", "data_type": "C", "length": "18", "personal_info": "true",
     "item_grade": "一般-1"},
    {"item_name": "车辆定位", "data_type": "C", "sensitive": "true", "item_grade": "一般-1"},
]
"""信息项: one plain, one with personal information, one sensitive."""

CASES: dict[str, dict[str, Any]] = {
    "open": dict(open_type="无条件开放", share_type="无条件共享", data_grade="一般-1", items=ITEMS),
    "cond_open": dict(open_type="有条件开放", open_condition="签署数据利用协议",
                      share_type="无条件共享", data_grade="一般-2"),
    "cond_open_granted": dict(open_type="有条件开放", open_condition="签署数据利用协议",
                              share_type="有条件共享", share_condition="仅用于政务服务",
                              data_grade="一般-2"),
    "shared_open": dict(open_type="不予开放", share_type="无条件共享", data_grade="一般-4",
                        items=ITEMS),
    "shared_cond": dict(open_type="不予开放", share_type="有条件共享",
                        share_condition="仅用于政务服务", data_grade="重要"),
    "shared_cond_granted": dict(open_type="不予开放", share_type="有条件共享",
                                share_condition="仅用于政务服务", data_grade="重要"),
    "not_shared": dict(open_type="不予开放", share_type="不予共享",
                       share_condition="《中华人民共和国个人信息保护法》第十三条", data_grade="重要"),
    "private": dict(open_type="无条件开放", share_type="无条件共享", data_grade="一般-1",
                    private=True),
}
"""Catalog entries by case; each has one uploaded CSV with a DataStore table."""


@dataclass
class World(worlds.City):
    entries: dict[str, dict[str, Any]]
    resources: dict[str, dict[str, Any]]
    bodies: dict[str, str]
    grants: list[Grant] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(reset_db) -> Iterator[World]:
    plugins.load_all()
    reset_db()
    city = worlds.city("access", worlds.Offices(owner="大同市交通运输局", other_dept="大同市文化和旅游局",
                                                county="阳高县人民政府办公室", county_region="140221"),
                       token_name="access-tests")
    users, orgs, sysadmin = city.users, city.orgs, city.users["sysadmin"]
    entries, resources, bodies = {}, {}, {}
    for case, fields in CASES.items():
        entry = make_entry(sysadmin, orgs["owner"], f"访问测试{case}", name=f"access-{case}".replace("_", "-"),
                           **fields)
        body = f"线路,站点数\n{case},24\n"
        resource = upload_csv(sysadmin, entry["id"], f"{case}公交线路.csv", body)
        add_datastore_table(sysadmin, resource["id"])
        entries[case], resources[case], bodies[case] = entry, resource, body
    grants = [
        insert_grant(entries["cond_open_granted"]["id"], user=users["citizen"], source="测试申请-1"),
        insert_grant(entries["cond_open_granted"]["id"], org=orgs["county"], source="测试申请-2"),
        insert_grant(entries["shared_cond_granted"]["id"], user=users["other_dept"]),
        # neither of these counts: one has expired, the other was revoked
        insert_grant(entries["shared_cond_granted"]["id"], user=users["county"], days=(-30, -1)),
        insert_grant(entries["shared_cond_granted"]["id"], org=orgs["county"],
                     state=Grant.STATE_REVOKED),
    ]
    yield World(**vars(city), entries=entries, resources=resources, bodies=bodies, grants=grants)
    for resource in resources.values():
        helpers.call_action("datastore_delete", context={"user": sysadmin["name"]},
                            resource_id=resource["id"], force=True)
    plugins.unload_all()


@pytest.fixture(scope="module")
def web(world: World) -> Any:
    """CKAN's test client, made once per module."""
    return helpers._get_test_app()
