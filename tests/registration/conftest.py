"""A municipal world for registration tests, built once per module through CKAN's actions:
the users of tests.worlds.city (the owner edits the 市大数据中心's entries), an editor of
another department, and entries of the owner: two to register, one shared on condition (for
sharing disputes), one never shared (hidden from outsiders) and one to re-grade as 核心."""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from ckan import model, plugins
from ckan.tests import helpers

from ckanext.datong import clock
from tests import factories, worlds
from tests.access.conftest import make_entry

HIDDEN_TITLE = "企业用电明细登记金丝雀"
"""The title of an entry outsiders may not see: no public page or answer may carry it."""


@dataclasses.dataclass
class World(worlds.City):
    entries: dict[str, dict[str, Any]]

    def call(self, who: str, action: str, /, **data: Any) -> Any:
        """Call `action` as the role `who`, auth checked."""
        return helpers.call_action(action, context=self.context(who), **data)


def fields(package_id: str, **overrides: Any) -> dict[str, Any]:
    """datong_registration_create fields for `package_id`."""
    today = clock.now().date()
    return {"package_id": package_id, "object": "数据资源", "name": "大同市公交刷卡客流数据资源",
            "summary": "全市公交刷卡记录汇总形成的客流数据资源。",
            "source_basis": "《大同市公共数据管理办法》第十二条：履职过程中采集",
            "holder_resource": "大同市交通运输局", "holder_processing": "大同市交通运输局",
            "holder_operation": "大同市大数据运营有限公司", "scale": "约1200万条记录",
            "data_format": "库表", "valid_from": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=3 * 365)).isoformat(), **overrides}


def end_notice(registration_id: str) -> None:
    """Let the objection period end: the last day of notice becomes yesterday (Beijing)."""
    model.Session.execute(sa.text(
        "UPDATE datong_registration SET notice_until = :day WHERE id = :id"),
        {"day": clock.now().date() - datetime.timedelta(days=1), "id": registration_id})
    model.Session.commit()


def to_notice(world: World, package_id: str, **overrides: Any) -> dict[str, Any]:
    """A 首次 application of the owner, accepted and passed: in public notice."""
    record = world.call("owner", "datong_registration_create", **fields(package_id, **overrides))
    world.call("authority", "datong_registration_accept", id=record["id"], outcome="accept")
    return world.call("authority", "datong_registration_review", id=record["id"], outcome="pass")


def issued(world: World, package_id: str, **overrides: Any) -> dict[str, Any]:
    """A registration through to 赋码."""
    record = to_notice(world, package_id, **overrides)
    end_notice(record["id"])
    return world.call("authority", "datong_registration_issue", id=record["id"])


@pytest.fixture(scope="module")
def world(reset_db) -> Iterator[World]:
    plugins.load_all()
    reset_db()
    city = worlds.city("reg", worlds.Offices(owner="大同市交通运输局", other_dept="大同市统计局",
                                             county="阳高县人民政府办公室", county_region="140221"),
                       token_name="registration-tests")
    sysadmin = city.users["sysadmin"]
    city.users["other_editor"] = factories.User(name="reg-other-editor")
    city.orgs["other_editor"] = worlds.organization(sysadmin, "大同市文化和旅游局",
                                                    editor=city.users["other_editor"])
    city.tokens["other_editor"] = worlds.token(city.users["other_editor"], "registration-tests")
    owner = city.orgs["owner"]
    make = lambda title, name, **extra: make_entry(sysadmin, owner, title, name=name, **extra)  # noqa: E731
    entries = {
        "bus": make("公交刷卡客流", "reg-bus"),
        "taxi": make("出租车运营数据", "reg-taxi"),
        "parking": make("停车场泊位数据", "reg-parking", share_type="有条件共享",
                        share_condition="用于交通管理", open_type="不予开放", data_grade="一般-3"),
        "hidden": make(HIDDEN_TITLE, "reg-hidden", share_type="不予共享", open_type="不予开放",
                       share_condition="《中华人民共和国数据安全法》第二十一条", data_grade="重要"),
        "core": make("路网运行监测数据", "reg-core"),
        "spare": make("公交站点设施数据", "reg-spare"),
    }
    yield World(**vars(city), entries=entries)
    plugins.unload_all()


@pytest.fixture
def fresh(world: World) -> Iterator[World]:
    """The world with the registrations, requests, chain rows and audit events of earlier
    tests removed."""
    from ckanext.datong.model import (AuditEvent, Notice, Registration, RegistrationVersion,
                                      Request)

    yield world
    model.Session.rollback()
    for table in (RegistrationVersion, Registration, Notice, Request, AuditEvent):
        model.Session.query(table).delete()
    model.Session.commit()


def set_grade(package_id: str, grade: str) -> None:
    """Re-grade an entry directly in the database (the catalog's validators refuse 核心: a
    harvested or hand-edited entry is how one can become core data)."""
    model.Session.execute(sa.text(
        "UPDATE package_extra SET value = :grade WHERE package_id = :id AND key = 'data_grade'"),
        {"grade": grade, "id": package_id})
    model.Session.commit()
