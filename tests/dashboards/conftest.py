"""A small city whose every dashboard figure is counted by hand (test_figures.py says how):
two departments, a county and the data authority with their staff; nine catalog entries,
complete and not, with and without files, on time and late for their 更新周期; sharing
requests in every state the dashboard counts (one overdue, one approved automatically);
three harvest sources (one failing, one stale, one healthy); and use cases.

Entries (owner, domain, 更新周期, days since the last update, what is attached):
  A1 交通运输局 交通 每月  0  CSV upload         complete, 无条件开放
  A2 交通运输局 交通 每日  5  nothing            complete (late)
  A3 交通运输局 交通 每年 100 API link            complete
  A4 交通运输局 交通 其他  0  PDF link            no 信息项 (不定期)
  A5 交通运输局 交通 每周  3  nothing            空间范围 removed in the database (a
                                                 required field missing, as in entries made
                                                 before it became required); 有条件共享, 不予开放
  B1 文化和旅游局 文旅 每季度 200 CSV + DataStore complete (late)
  B2 文化和旅游局 文旅 每月  0  XLSX link         complete, 有条件开放
  B3 文化和旅游局 文旅 每月  0  nothing           不予共享 (seen by its department and the authority)
  C1 阳高县       农业 每年  0  CSV upload        complete
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Iterator

import pytest
from ckan import model, plugins
from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestSource

from ckanext.datong import clock
from ckanext.datong.model import Decision, Request
from tests import factories, worlds
from tests.access.conftest import add_datastore_table, make_entry, upload_csv

ITEMS = [{"item_name": "名称", "data_type": "C"}, {"item_name": "数量", "data_type": "I"}]
HIDDEN = {"share_type": "不予共享", "share_condition": "《中华人民共和国统计法》第九条",
          "open_type": "不予开放", "data_grade": "重要"}


@dataclasses.dataclass
class World:
    users: dict[str, Any]
    orgs: dict[str, dict[str, Any]]
    entries: dict[str, dict[str, Any]]
    requests: dict[str, dict[str, Any]]
    use_cases: dict[str, dict[str, Any]]
    today: datetime.date

    def context(self, role: str) -> dict[str, Any]:
        user = self.users.get(role)
        return {"user": user["name"] if user else "", "ignore_auth": False}

    def call(self, role: str, action: str, **data: Any) -> Any:
        return helpers.call_action(action, context=self.context(role), **data)


def _link(creator: dict[str, Any], package_id: str, name: str, url: str, fmt: str) -> None:
    helpers.call_action("resource_create", context={"user": creator["name"]}, package_id=package_id,
                        name=name, url=url, format=fmt)


def _age(package_id: str, days: int) -> None:
    """Make the entry's last update `days` ago."""
    model.Session.execute(
        model.package_table.update().where(model.package_table.c.id == package_id).values(
            metadata_modified=datetime.datetime.utcnow() - datetime.timedelta(days=days)))


def _request(world_users: dict, role: str, entry: dict, **fields: Any) -> dict[str, Any]:
    start = clock.now().date()
    return helpers.call_action("datong_request_create", context={"user": world_users[role]["name"]},
                               entries=[{"package_id": entry["id"]}], purpose="核对交通违章数据",
                               basis="《道路交通安全法》第五条", start_date=start.isoformat(),
                               end_date=(start + datetime.timedelta(days=90)).isoformat(),
                               frequency="每月", delivery="接口", territory="any",
                               contact_name="王科长", contact_phone="0352-6620000",
                               commitment=True, **fields)


def _harvest_source(sysadmin: dict, org: dict, name: str, title: str, frequency: str) -> str:
    return helpers.call_action(
        "harvest_source_create", context={"user": sysadmin["name"]}, name=name, title=title,
        url=f"http://127.0.0.1:9/{name}", source_type="datong_ckan", owner_org=org["id"],
        frequency=frequency, config="{}")["id"]


def _job(source_id: str, error: str = "") -> None:
    moment = datetime.datetime.utcnow()
    job = HarvestJob(source=HarvestSource.get(source_id), status="Finished",
                     gather_started=moment, gather_finished=moment, finished=moment)
    model.Session.add(job)
    if error:
        model.Session.add(HarvestGatherError(message=error, job=job))
    model.Session.commit()


def _at(moment: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(moment).replace(tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def world(reset_db) -> Iterator[World]:
    plugins.load_all()
    reset_db()
    sysadmin = factories.Sysadmin()
    users = {"sysadmin": sysadmin, "anonymous": None}
    for role in ("owner", "owner_admin", "owner_member", "other", "county", "authority", "citizen"):
        users[role] = factories.User(name=f"dash-{role.replace('_', '-')}")
    orgs = {
        "owner": worlds.organization(sysadmin, "大同市交通运输局", editor=users["owner"],
                                     admin=users["owner_admin"], member=users["owner_member"]),
        "other": worlds.organization(sysadmin, "大同市文化和旅游局", editor=users["other"]),
        "county": worlds.organization(sysadmin, "阳高县人民政府办公室", worlds.COUNTY, "140221",
                                      editor=users["county"]),
        "authority": worlds.organization(sysadmin, "大同市数据局", worlds.AUTHORITY,
                                         member=users["authority"]),
    }
    owner, other, county = users["owner"], users["other"], users["county"]
    traffic = dict(industry_domain="交通", items=ITEMS)
    e = {
        "A1": make_entry(owner, orgs["owner"], "公交线路", name="a1", **traffic),
        "A2": make_entry(owner, orgs["owner"], "出租车营运", name="a2", update_frequency="每日", **traffic),
        "A3": make_entry(owner, orgs["owner"], "停车场泊位", name="a3", update_frequency="每年", **traffic),
        "A4": make_entry(owner, orgs["owner"], "路政许可", name="a4", update_frequency="其他",
                         industry_domain="交通"),
        "A5": make_entry(owner, orgs["owner"], "交通违章", name="a5", update_frequency="每周",
                         share_type="有条件共享", share_condition="用于执法", open_type="不予开放",
                         **traffic),
        "B1": make_entry(other, orgs["other"], "景区客流", name="b1", industry_domain="文旅",
                         update_frequency="每季度", items=ITEMS),
        "B2": make_entry(other, orgs["other"], "博物馆藏品", name="b2", industry_domain="文旅",
                         open_type="有条件开放", open_condition="签署数据利用协议", items=ITEMS),
        "B3": make_entry(other, orgs["other"], "文物安防", name="b3", industry_domain="文旅",
                         items=ITEMS, **HIDDEN),
        "C1": make_entry(county, orgs["county"], "阳高县农作物", name="c1", industry_domain="农业",
                         update_frequency="每年", items=ITEMS),
    }
    upload_csv(owner, e["A1"]["id"], "公交线路.csv", "名称,数量\n1路,24\n")
    _link(owner, e["A3"]["id"], "泊位接口", "https://api.example.cn/parking", "API")
    _link(owner, e["A4"]["id"], "许可公告", "https://www.example.cn/permits.pdf", "PDF")
    table = upload_csv(other, e["B1"]["id"], "景区客流.csv", "线路,站点数\n1路,24\n")
    add_datastore_table(other, table["id"])
    _link(other, e["B2"]["id"], "藏品清单", "https://www.example.cn/items.xlsx", "XLSX")
    upload_csv(county, e["C1"]["id"], "农作物.csv", "名称,数量\n玉米,3\n")

    scenario = helpers.call_action(
        "datong_scenario_create", context={"user": users["authority"]["name"]}, name="县区违章核对",
        description="县区核对本县交通违章", legal_basis="《道路交通安全法》第五条",
        requester_kinds=[worlds.COUNTY], coverage=[{"package_id": e["A5"]["id"], "items": None}],
        max_grade="一般-3", max_days=366, delivery_methods=["接口"], territory="any", route="automatic")
    call = lambda role, action, **data: helpers.call_action(  # noqa: E731
        action, context={"user": users[role]["name"]}, **data)
    r = {name: _request(users, "other", e["A5"]) for name in ("checking", "reviewing", "approved",
                                                              "rejected", "draft")}
    r["automatic"] = _request(users, "county", e["A5"], scenario_id=scenario["id"])
    for name in ("checking", "reviewing", "approved", "rejected", "automatic"):
        call("county" if name == "automatic" else "other", "datong_request_submit", id=r[name]["id"])
    for name in ("reviewing", "approved", "rejected"):
        call("authority", "datong_request_check", id=r[name]["id"], outcome="pass")
    call("owner", "datong_request_review", id=r["approved"]["id"], outcome="approve")
    call("owner", "datong_request_review", id=r["rejected"]["id"], outcome="reject", reason="用途不符")
    # the provider's answers: 3 working days (Mon 2 Nov → Thu 5 Nov 2026) and 5 (Mon 9 Nov →
    # Mon 16 Nov); times 10:00 Beijing
    for name, reached, answered in (("approved", "2026-11-02T02:00", "2026-11-05T02:00"),
                                    ("rejected", "2026-11-09T02:00", "2026-11-16T02:00")):
        for to_state, moment in (("reviewing", reached), (name, answered)):
            model.Session.execute(Decision.__table__.update().where(
                Decision.request_id == r[name]["id"], Decision.to_state == to_state
            ).values(created=_at(moment)))
    model.Session.execute(Request.__table__.update().where(Request.id == r["checking"]["id"])
                          .values(due_date=datetime.date(2026, 1, 5)))

    failing = _harvest_source(sysadmin, orgs["owner"], "dash-failing", "交通局目录采集", "MANUAL")
    _job(failing, error="无法连接来源地址")
    stale = _harvest_source(sysadmin, orgs["other"], "dash-stale", "文旅局目录采集", "DAILY")
    model.Session.execute(HarvestSource.__table__.update().where(HarvestSource.id == stale).values(
        created=datetime.datetime.utcnow() - datetime.timedelta(days=10)))
    healthy = _harvest_source(sysadmin, orgs["county"], "dash-healthy", "阳高县目录采集", "MANUAL")
    _job(healthy)

    cases = {
        "bus": call("authority", "datong_use_case_create", title="公交线网优化", summary="利用公交线路和违章数据优化线网。",
                    domain="交通", organization_id=orgs["owner"]["id"],
                    package_ids=[e["A1"]["id"], e["A5"]["id"]], published="2026-10-01",
                    link_url="https://www.example.cn/case/bus"),
        "parking": call("authority", "datong_use_case_create", title="智慧停车", summary="停车泊位共享。",
                        domain="交通", package_ids=[e["A3"]["id"]]),
        "tourism": call("authority", "datong_use_case_create", title="景区预约", summary="景区客流预警。",
                        domain="文旅", organization_id=orgs["other"]["id"], package_ids=[e["B1"]["id"]]),
        "gone": call("authority", "datong_use_case_create", title="农情监测", summary="已撤下的案例。",
                     domain="农业"),
    }
    call("authority", "datong_use_case_delete", id=cases["gone"]["id"])

    # last: the ages of the entries and the required field removed from A5 (edits above
    # would have reset them)
    for name, days in (("A2", 5), ("A3", 100), ("A5", 3), ("B1", 200)):
        _age(e[name]["id"], days)
    model.Session.execute(model.package_extra_table.delete().where(
        model.package_extra_table.c.package_id == e["A5"]["id"],
        model.package_extra_table.c.key == "spatial_scope"))
    model.Session.commit()
    yield World(users=users, orgs=orgs, entries=e, requests=r, use_cases=cases,
                today=clock.now().date())
    plugins.unload_all()

