"""Provider → organization routing (harvesters/routing.py) on the real Hangzhou catalog: the
whole export is routed to its departments, a deterministic part of it harvested; a provider
deliberately left without an organization is held and reported, then offered to the data
authority, who creates it; and the rule that only the authority's sources write into other
departments."""
from __future__ import annotations

import collections
import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import ckan.plugins.toolkit as tk
from ckan import model, plugins
from ckan.tests import helpers

from ckanext.datong.harvesters import report, routing
from ckanext.datong.harvesters.json import DatongJsonHarvester
from tests import factories, worlds
from tests.hangzhou import convert
from tests.harvest.conftest import HANGZHOU_CONFIG, create_source, harvested, json_bytes, run_job

VOCABULARIES = Path(tempfile.gettempdir()) / f"datong-routing-vocabularies-{os.getpid()}.yaml"
pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))

AUTHORITY = ("杭州市", "市数据资源管理局")  # the Hangzhou department whose kind is 数据主管部门
LEFT_OUT = ("滨江区", "区行政服务中心")  # no organization is created for it
EDUCATION, POLICE, TRANSPORT = ("杭州市", "市教育局"), ("杭州市", "市公安局"), ("杭州市", "市交通运输局")
PROVIDER = "提供部门"  # the field the derived feed adds: the department's full name
ROUTED = {**HANGZHOU_CONFIG, "provider": PROVIDER, "routing": {}}


def routed_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The export with each record's department named in full (杭州市教育局, 滨江区民政局),
    as city-wide catalogs name their providers: 发布部门 alone repeats across districts."""
    return [{**record, PROVIDER: convert.organization_title(record["所属区县"], record["发布部门"])}
            for record in records]


def registered(departments: dict[tuple[str, str], convert.Department]) -> set[tuple[str, str]]:
    """The departments given an organization: every third in title order per region (114 of
    342; creating all 342 takes 50 to 90 s here), the authority and the editor's department,
    never the one left out. The others stay unmatched, as departments not yet registered."""
    chosen = {pair for number, pair in enumerate(departments) if number % 3 == 0}
    return (chosen | {AUTHORITY, EDUCATION, POLICE, TRANSPORT}) - {LEFT_OUT}


def harvest_part(records: list[dict[str, Any]], organized: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The first record of every other registered department in file order, and of the
    department left out: 60 departments, one entry each (a harvest of 342 took 90 s)."""
    firsts: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        pair = (record["所属区县"], record["发布部门"])
        if pair in organized or pair == LEFT_OUT:
            firsts.setdefault(pair, record)
    return [record for number, (pair, record) in enumerate(firsts.items()) if number % 2 == 0 or pair == LEFT_OUT]


@dataclasses.dataclass
class City:
    records: list[dict[str, Any]]
    departments: dict[tuple[str, str], convert.Department]
    org_ids: dict[tuple[str, str], str]
    authority_editor: dict[str, Any]
    department_editor: dict[str, Any]


@pytest.fixture(scope="module")
def city(reset_db) -> Iterator[City]:
    plugins.load_all()
    reset_db()
    convert.vocabularies_with_districts(VOCABULARIES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(tk.config, convert.VOCABULARY_OPTION, str(VOCABULARIES))
        records = routed_records(convert.read())
        departments = convert.departments(records)
        site = {"ignore_auth": True, "user": helpers.call_action("get_site_user")["name"]}
        org_ids = {}
        for pair in sorted(registered(departments)):
            department = departments[pair]
            org_ids[pair] = tk.get_action("organization_create")(dict(site), department.organization())["id"]
        authority_editor, department_editor = factories.User(), factories.User()
        for user, pair in ((authority_editor, AUTHORITY), (department_editor, EDUCATION)):
            helpers.call_action("organization_member_create", context=dict(site), id=org_ids[pair],
                                username=user["name"], role="editor")
        yield City(records, departments, org_ids, authority_editor, department_editor)
    plugins.unload_all()
    VOCABULARIES.unlink(missing_ok=True)


def test_the_catalog_has_342_departments_of_259_names(city) -> None:
    assert len(city.records) == 6590
    assert len(city.departments) == 342
    assert len({record["发布部门"] for record in city.records}) == 259  # 区行政服务中心 in many districts
    assert len({department.title for department in city.departments.values()}) == 342


def test_every_record_of_the_export_is_routed_to_its_department(city, feeds) -> None:
    """The whole export (6,590 records) read and routed as a gather would, without importing."""
    url = feeds.serve("/routing/all.json", json_bytes(city.records))
    source_org = city.org_ids[AUTHORITY]
    routes: collections.Counter[str] = collections.Counter()
    held = []
    for entry, record in zip(DatongJsonHarvester().prepared(url, ROUTED, source_org, lambda m: None), city.records):
        pair = (record["所属区县"], record["发布部门"])
        if pair in city.org_ids:
            assert entry.route.owner_org == city.org_ids[pair], (pair, entry.provider)
        else:
            assert entry.route.status == routing.HELD and entry.route.owner_org is None
            held.append(entry)
        routes[entry.route.status] += 1
    organized = sum(1 for record in city.records if (record["所属区县"], record["发布部门"]) in city.org_ids)
    assert routes == {routing.MATCHED: organized, routing.HELD: len(city.records) - organized}
    assert organized > 2000 and len(city.org_ids) > 100  # many providers, thousands of records
    assert "滨江区行政服务中心" in held[0].notes.problems[0] and "待建组织" in held[0].notes.problems[0]


def test_a_harvest_lands_every_entry_in_its_own_department(city, feeds, app) -> None:
    part = harvest_part(city.records, set(city.org_ids))
    url = feeds.serve("/routing/part.json", json_bytes(part))
    source = create_source(city.authority_editor, {"id": city.org_ids[AUTHORITY]}, url, "datong_json", ROUTED)
    run = run_job(source)
    assert run.gather_errors == []
    assert run.stats == {"added": len(part) - 1, "errored": 1}
    stored = {d["resources"][0]["url"]: d for d in harvested(source)}
    for record in part:
        pair = (record["所属区县"], record["发布部门"])
        if pair == LEFT_OUT:
            assert record["详情页网址"] not in stored
            continue
        entry = stored[record["详情页网址"]]
        assert entry["owner_org"] == city.org_ids[pair]
        assert entry["organization"]["title"] == city.departments[pair].title
        assert entry["resource_code"].split("/")[1][6:9] == city.departments[pair].dept_code  # its own number
    assert len({d["owner_org"] for d in stored.values()}) == len(part) - 1
    # the job report lists the provider left out, with its count and an example title
    unmatched = report.job_report(run.job.id)["unmatched"]
    example = next(r for r in part if (r["所属区县"], r["发布部门"]) == LEFT_OUT)
    assert unmatched == [{"provider": "滨江区行政服务中心", "provider_code": "", "count": 1,
                          "example": example["资源名称"], "held": True}]
    page = app.get(f"/harvest/{source['name']}/job/{run.job.id}",
                   extra_environ={"REMOTE_USER": city.authority_editor["name"]})
    assert "滨江区行政服务中心" in page.body and example["资源名称"] in page.body
    # the entry page names its providing department
    shown = next(iter(stored.values()))
    page = app.get(f"/dataset/{shown['name']}", extra_environ={"REMOTE_USER": city.authority_editor["name"]})
    assert shown["organization"]["title"] in page.body

    # the authority reviews the provider and creates its organization with one click
    listed = helpers.call_action("datong_harvest_unmatched_providers",
                                 context={"user": city.authority_editor["name"], "ignore_auth": False})
    assert [(row["provider"], row["count"]) for row in listed] == [("滨江区行政服务中心", 1)]
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datong_harvest_unmatched_providers",
                            context={"user": city.department_editor["name"], "ignore_auth": False})
    env = {"Authorization": worlds.token(city.authority_editor)}
    page = app.get("/harvest/providers", headers=env)
    assert "滨江区行政服务中心" in page.body and example["资源名称"] in page.body
    department = city.departments[LEFT_OUT]
    form = {"provider": "滨江区行政服务中心", "title": "滨江区行政服务中心", "org_kind": "县区",
            "uscc": "", "region_code": department.region_code, "dept_code": department.dept_code}
    refused = app.post("/harvest/providers", data=form, headers=env)
    assert "统一社会信用代码" in refused.body  # the org schema judged it: nothing created
    assert model.Session.query(model.Group).filter(model.Group.title == "滨江区行政服务中心").count() == 0
    app.post("/harvest/providers", data={**form, "uscc": department.uscc}, headers=env)
    created = model.Session.query(model.Group).filter(model.Group.title == "滨江区行政服务中心").one()
    assert created.extras["uscc"] == department.uscc
    assert "滨江区行政服务中心" not in app.get("/harvest/providers", headers=env).body
    # the next harvest imports the held entry into it
    again = run_job(source)
    assert again.stats == {"added": 1, "not modified": len(part) - 1}
    assert {d["owner_org"] for d in harvested(source) if d["resources"][0]["url"] == example["详情页网址"]} == \
        {created.id}


def test_unmatched_source_puts_entries_into_the_source_organization(city, feeds) -> None:
    records = [{**city.records[0], PROVIDER: "杭州市未登记部门", "详情页网址": "https://example.org/unregistered"}]
    url = feeds.serve("/routing/unmatched.json", json_bytes(records))
    config = {**ROUTED, "routing": {"unmatched": "source"}}
    source = create_source(city.authority_editor, {"id": city.org_ids[AUTHORITY]}, url, "datong_json", config)
    run = run_job(source)
    assert run.stats == {"added": 1}
    assert [d["owner_org"] for d in harvested(source)] == [city.org_ids[AUTHORITY]]
    assert report.job_report(run.job.id)["unmatched"][0] | {"example": ""} == {
        "provider": "杭州市未登记部门", "provider_code": "", "count": 1, "example": "", "held": False}


def test_table_short_name_and_credit_code_match(city, feeds) -> None:
    base = city.records[1]
    education = city.departments[EDUCATION]
    site = {"ignore_auth": True, "user": helpers.call_action("get_site_user")["name"]}
    helpers.call_action("organization_patch", context=dict(site), id=city.org_ids[TRANSPORT],
                        short_name="市交通局")
    records = [{**base, PROVIDER: "教育", "详情页网址": "https://example.org/t1"},
               {**base, PROVIDER: "市交通局", "详情页网址": "https://example.org/t2"},
               {**base, PROVIDER: "某部门", "代码": education.uscc, "详情页网址": "https://example.org/t3"}]
    url = feeds.serve("/routing/match.json", json_bytes(records))
    config = {**ROUTED, "provider_code": "代码", "routing": {"organizations": {"教育": education.title}}}
    owners = [entry.route.owner_org for entry in
              DatongJsonHarvester().prepared(url, config, city.org_ids[AUTHORITY], lambda m: None)]
    assert owners == [city.org_ids[EDUCATION], city.org_ids[TRANSPORT],
                      city.org_ids[EDUCATION]]


def test_a_department_source_cannot_write_into_other_departments(city, feeds) -> None:
    """The routing rule: a department's source routes only into its own organization, whatever
    its config says; the other department's entry is refused and nothing is created there."""
    own = next(r for r in city.records if (r["所属区县"], r["发布部门"]) == EDUCATION)
    other = next(r for r in city.records if (r["所属区县"], r["发布部门"]) == POLICE)
    url = feeds.serve("/routing/department.json", json_bytes([own, other]))
    config = {**ROUTED, "routing": {"organizations": {"杭州市公安局": city.org_ids[POLICE]}}}
    source = create_source(city.department_editor, {"id": city.org_ids[EDUCATION]}, url,
                           "datong_json", config)
    before = model.Session.query(model.Package).filter(
        model.Package.owner_org == city.org_ids[POLICE]).count()
    run = run_job(source)
    assert run.stats == {"added": 1, "errored": 1}
    [(guid, message)] = run.errors()
    assert guid == other["详情页网址"] and "只有数据主管部门的采集来源可以按提供部门写入其他部门" in message
    assert [d["owner_org"] for d in harvested(source)] == [city.org_ids[EDUCATION]]
    assert model.Session.query(model.Package).filter(
        model.Package.owner_org == city.org_ids[POLICE]).count() == before
    # nor can a mapped owner_org slip through the fields
    with pytest.raises(ValueError, match="owner_org"):
        DatongJsonHarvester().validate_config(json.dumps(
            {**config, "fields": {**config["fields"], "owner_org": {"value": "x"}}}, ensure_ascii=False))


def test_bad_routing_configs_are_refused_in_chinese() -> None:
    for routing_config, fragment in (([], "routing 应为"), ({"unmatched": "drop"}, "routing.unmatched"),
                                     ({"organizations": {"a": 1}}, "routing.organizations"),
                                     ({"match": "x"}, "无法识别")):
        with pytest.raises(ValueError, match=fragment):
            routing.check(routing_config)
