"""Import of the real Hangzhou open-data catalog (tests/data/, converted at test time by
tests/hangzhou/convert.py). The facts of the whole file are checked on the conversion; a
fixed subset of it goes through CKAN's actions, and what CKAN stores is compared with counts
computed straight from the raw JSON. bench/hangzhou.py imports all of it."""
from __future__ import annotations

import collections
import os
import re
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
import ckan.plugins.toolkit as tk
from ckan import plugins
from ckan.tests import helpers

from ckanext.datong import names, uscc
from tests.hangzhou import convert

VOCABULARIES = Path(tempfile.gettempdir()) / f"datong-hangzhou-vocabularies-{os.getpid()}.yaml"
pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))

# The rules of issue 3, stated here independently of the converter's tables.
OPEN_RULE = {"完全开放": "无条件开放", "登录开放": "有条件开放", "申请开放": "有条件开放"}
STRICTER_LAST = ["完全开放", "登录开放", "申请开放"]
FREQUENCY_RULE = {"小时级": "实时", "分钟级": "实时", "不更新": "其他", None: "其他"}
DEFAULTS = {"share_type": "无条件共享", "industry_domain": "政务", "resource_class": "301001"}
GRADE_RULE = {"无条件开放": "一般-1", "有条件开放": "一般-2"}


def key(record: dict[str, Any]) -> tuple[str, str, str]:
    return record["所属区县"], record["发布部门"], record["资源名称"]


def by_key(records: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    result: dict[tuple[str, str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for record in records:
        result[key(record)].append(record)
    return result


def expected_open_type(records: list[dict[str, Any]]) -> str:
    return OPEN_RULE[max((r["开放等级"] for r in records), key=STRICTER_LAST.index)]


def expected_frequency(record: dict[str, Any]) -> str:
    value = record.get("更新周期") or None
    return FREQUENCY_RULE.get(value, value)


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return convert.read()


# --------------------------------------------------------------------------- the whole file


def test_source_facts(records) -> None:
    groups = by_key(records)
    formats = collections.Counter(tuple(sorted(r["数据格式"] for r in group)) for group in groups.values())
    assert len(records) == 6590
    assert len(groups) == 3571
    assert formats == {("api", "data"): 3019, ("api",): 545, ("data",): 7}
    assert len({r["发布部门"] for r in records}) == 259
    assert len({(r["所属区县"], r["发布部门"]) for r in records}) == 342  # 41 names serve several districts
    assert len({r["所属区县"] for r in records}) == 15
    assert len({r["详情页网址"] for r in records}) == 6590
    twins = [group for group in groups.values() if len(group) == 2]
    for field in ("开放等级", "更新周期", "摘要"):  # what the merged entry takes from either twin
        assert all(a.get(field) == b.get(field) for a, b in twins), field


def test_every_source_value_is_mapped(records) -> None:
    assert convert.distinct_values(records, "开放等级") == {"登录开放": 3932, "完全开放": 2162, "申请开放": 496}
    assert convert.distinct_values(records, "更新周期") == {
        "每年": 3986, "每月": 1183, "每日": 561, None: 392, "不更新": 259, "每季度": 80, "每周": 64,
        "每半年": 49, "小时级": 12, "分钟级": 4}
    assert convert.distinct_values(records, "数据格式") == {"api": 3564, "data": 3026}
    assert set(convert.distinct_values(records, "所属区县")) == set(convert.DISTRICTS)
    assert sum(1 for r in records if not r.get("数据量")) == 58
    assert [r["更新时间"] for r in records if r["更新时间"] == "0000-00-00"] == ["0000-00-00"]  # not a date
    convert.check_values(records)


def test_an_unknown_value_stops_the_conversion(records) -> None:
    odd = dict(records[0], 更新周期="每两年", 开放等级="内部开放")
    with pytest.raises(ValueError) as error:
        convert.entries([odd] + records[1:3])
    assert "更新周期“每两年”" in str(error.value) and "开放等级“内部开放”" in str(error.value)


def test_district_codes() -> None:
    assert len(convert.DISTRICTS) == 15
    assert convert.DISTRICTS["杭州市"] == "330100"
    assert convert.DISTRICTS["上城区"] == "330102" and convert.DISTRICTS["建德市"] == "330182"
    assert convert.DISTRICTS["西湖风景名胜区"] == "330100"  # no code of its own
    districts = {name: code for name, code in convert.DISTRICTS.items() if name not in ("杭州市", "西湖风景名胜区")}
    assert len(set(districts.values())) == 13
    for name, code in districts.items():
        assert re.fullmatch(r"3301(0[2-9]|1[0-4]|2[2-7]|8[0-9])", code), name
        assert code[4:] < "20" if name.endswith("区") else code[4:] >= "20", name


def test_whole_catalog_converts(records) -> None:
    catalog = convert.entries(records)
    groups = by_key(records)
    assert len(catalog) == 3571
    assert collections.Counter(len(entry.package["resources"]) for entry in catalog) == {2: 3019, 1: 552}
    assert {entry.key for entry in catalog} == set(groups)
    open_types = collections.Counter(entry.package["open_type"] for entry in catalog)
    assert open_types == collections.Counter(expected_open_type(group) for group in groups.values())
    for entry in catalog:
        group = groups[entry.key]
        package = entry.package
        assert package["update_frequency"] == expected_frequency(group[0])
        assert package["spatial_scope"] == convert.DISTRICTS[entry.key[0]]
        assert package["data_grade"] == GRADE_RULE[package["open_type"]]
        assert {k: package[k] for k in DEFAULTS} == DEFAULTS
        assert sorted(r["url"] for r in package["resources"]) == sorted(r["详情页网址"] for r in group)
        if package["open_type"] == "有条件开放":  # the condition names the source level
            assert max((r["开放等级"] for r in group), key=STRICTER_LAST.index) in package["open_condition"]
        assert isinstance(package.get("data_volume", ""), str)
    frequencies = collections.Counter(entry.package["update_frequency"] for entry in catalog)
    assert frequencies["实时"] == len({key(r) for r in records if r.get("更新周期") in ("小时级", "分钟级")})


def test_departments_become_valid_organizations(records) -> None:
    departments = convert.departments(records)
    assert len(departments) == 342
    assert len({d.title for d in departments.values()}) == 342
    assert len({(d.region_code, d.dept_code) for d in departments.values()}) == 342
    assert len({d.uscc for d in departments.values()}) == 342
    assert all(uscc.is_valid(d.uscc) and d.uscc[2:8] == d.region_code for d in departments.values())
    assert departments["滨江区", "区民政局"].title == "滨江区民政局"
    assert departments["杭州市", "市教育局"].title == "杭州市教育局"
    assert departments["建德市", "市教育局"].title == "建德市教育局"
    assert departments["余杭区", "市生态环境局余杭分局"].title == "杭州市生态环境局余杭分局"
    assert departments["淳安县", "市场监督管理局"].title == "淳安县市场监督管理局"
    city = {(r["所属区县"], r["发布部门"]) for r in records if r["所属区县"] in ("杭州市", "西湖风景名胜区")}
    kinds = collections.Counter(d.org_kind for d in departments.values())
    assert kinds == {"县区": 342 - len(city), "市直部门": len(city) - 1, "数据主管部门": 1}
    assert departments["杭州市", "市数据资源管理局"].org_kind == "数据主管部门"


def test_the_import_states_its_defaults() -> None:
    notes = "\n".join(convert.NOTES)
    for stated in ("共享类型", "无条件共享", "数据分级", "一般-1", "一般-2", "行业领域", "政务",
                   "信息资源分类", "301001", "小时级、分钟级→实时", "不更新和缺失→其他", "取更严格者",
                   "西湖风景名胜区"):
        assert stated in notes, stated


# --------------------------------------------------------------------------- a subset through CKAN


@pytest.fixture(scope="module")
def imported(request, reset_db, records) -> Iterator[SimpleNamespace]:
    """The subset imported once into a fresh database, under this module's ckan_config marks
    (the vocabularies extended with Hangzhou's regions)."""
    plugins.load_all()
    reset_db()
    convert.vocabularies_with_districts(VOCABULARIES)
    part = convert.subset(records)
    with pytest.MonkeyPatch.context() as patch:
        for mark in request.node.iter_markers("ckan_config"):
            patch.setitem(tk.config, *mark.args)
        site_user = helpers.call_action("get_site_user", context={"ignore_auth": True})["name"]

        def context() -> dict[str, Any]:
            return {"user": site_user, "ignore_auth": True}

        report = convert.import_catalog(convert.entries(part), convert.departments(records), context)
        found = helpers.call_action("package_search", context=context(), q="*:*", rows=1000,
                                    include_private=True)
        yield SimpleNamespace(records=part, report=report, context=context,
                              stored={d["title"] + "@" + d["spatial_scope"] + "@" + d["organization"]["id"]: d
                                      for d in found["results"]},
                              results=found["results"], count=found["count"])
    plugins.unload_all()
    VOCABULARIES.unlink(missing_ok=True)


def test_subset_covers_the_cases(imported, records) -> None:
    part = imported.records
    groups = by_key(part)
    assert 200 <= len(groups) <= 300
    assert {r["所属区县"] for r in part} == {r["所属区县"] for r in records}
    assert {r["开放等级"] for r in part} == set(OPEN_RULE)
    assert {r.get("更新周期") or None for r in part} == {r.get("更新周期") or None for r in records}
    shapes = collections.Counter(tuple(sorted(r["数据格式"] for r in group)) for group in groups.values())
    assert set(shapes) == {("api", "data"), ("api",), ("data",)}
    assert any(r["更新时间"] == "0000-00-00" for r in part)
    assert any(k[2] == other[2] and k[0] != other[0] for k in groups for other in groups)  # repeated titles
    assert convert.subset(records) == part  # fixed: the same records every run


def test_subset_counts(imported) -> None:
    part, report = imported.records, imported.report
    groups = by_key(part)
    pairs = {(r["所属区县"], r["发布部门"]) for r in part}
    assert report.failures == []
    assert (report.entries, report.resources, report.organizations) == (len(groups), len(part), len(pairs))
    assert imported.count == len(groups)
    assert sum(len(d["resources"]) for d in imported.results) == len(part)
    organizations = helpers.call_action("organization_list", context=imported.context(), limit=1000)
    assert len(organizations) == len(pairs)
    stored = collections.Counter((d["spatial_scope"], d["open_type"], d["update_frequency"])
                                 for d in imported.results)
    expected = collections.Counter((convert.DISTRICTS[k[0]], expected_open_type(g), expected_frequency(g[0]))
                                   for k, g in groups.items())
    assert stored == expected
    twins = sum(1 for g in groups.values() if len(g) == 2)
    assert sum(1 for d in imported.results if len(d["resources"]) == 2) == twins > 100


def test_entries_keep_the_source_values(imported) -> None:
    departments = {(d.district, d.source_name): d for d in convert.departments(convert.read()).values()}
    org_ids = {}
    for d in imported.results:
        org_ids.setdefault(d["organization"]["title"], d["organization"]["id"])
    one_word = 0
    for group_key, group in by_key(imported.records).items():
        department = departments[group_key[:2]]
        entry = imported.stored[f"{group_key[2]}@{convert.DISTRICTS[group_key[0]]}@{org_ids[department.title]}"]
        assert entry["notes"] == group[0]["摘要"].strip()
        one_word += len(entry["notes"]) <= 2
        data = [r for r in group if r["数据格式"] == "data"] or group
        assert entry.get("data_volume", "") == (data[0]["数据量"] or next((r["数据量"] for r in group if r["数据量"]), ""))
        assert entry["publish_date"] == min(r["发布时间"] for r in group)
        assert entry["share_type"] == "无条件共享" and entry["industry_domain"] == "政务"
        assert entry["data_grade"] == GRADE_RULE[entry["open_type"]]
        assert sorted(r["format"] for r in entry["resources"]) == sorted(r["数据格式"].upper() for r in group)
        assert sorted(r["url"] for r in entry["resources"]) == sorted(r["详情页网址"] for r in group)
        for resource in entry["resources"]:
            source = next(r for r in group if r["详情页网址"] == resource["url"])
            if source["更新时间"] == "0000-00-00":
                assert not resource["last_modified"] and "更新时间 不详" in resource["description"]
            else:
                assert resource["last_modified"] == source["更新时间"] + "T00:00:00"
        assert sorted(entry["share_method"]) == sorted({"api": "接口", "data": "文件"}[r["数据格式"]] for r in group)
    assert one_word > 0  # one-word 摘要 such as “行政” are valid


def test_names_and_codes_are_generated(imported) -> None:
    results = imported.results
    entry_names = [d["name"] for d in results]
    assert len(set(entry_names)) == len(entry_names)
    by_base: dict[str, list[str]] = collections.defaultdict(list)
    for d in results:
        base = names.slug(d["title"])
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", d["name"]), d["name"]
        assert d["name"] == base or re.fullmatch(re.escape(base) + r"-\d+", d["name"]), (d["title"], d["name"])
        by_base[base].append(d["name"])
    for base, taken in by_base.items():  # repeated titles: base, base-2, base-3 …
        assert sorted(taken, key=len)[0] == base and len(taken) == len(set(taken))
    assert any(len(taken) > 1 for taken in by_base.values())
    assert names.slug("政务服务事项评价信息") in by_base
    codes = [d["resource_code"] for d in results]
    assert len(set(codes)) == len(codes)
    organizations = {}
    for d in results:
        org_id = d["organization"]["id"]
        if org_id not in organizations:
            organizations[org_id] = helpers.call_action("organization_show", context=imported.context(),
                                                        id=org_id, include_users=False)
        org = organizations[org_id]
        front, back = d["resource_code"].split("/")
        assert front == "301001" and d["resource_attribute"] == "部门"
        assert back[:9] == org["region_code"] + org["dept_code"]
    for org in organizations.values():
        assert uscc.is_valid(org["uscc"]) and org["uscc_is_demo"] == "true"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", org["name"])
    assert len({(o["region_code"], o["dept_code"]) for o in organizations.values()}) == len(organizations)


def test_hangzhou_regions_need_the_extended_vocabulary(imported, monkeypatch) -> None:
    entry = next(e for e in convert.entries(imported.records) if e.key[0] == "滨江区")
    owner = imported.stored[next(k for k in imported.stored if k.startswith(entry.key[2] + "@330108@"))]
    monkeypatch.setitem(tk.config, convert.VOCABULARY_OPTION, "ckanext.datong.schemas:vocabularies.yaml")
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_create", context=imported.context(),
                            **dict(entry.package, owner_org=owner["owner_org"]))
    assert "空间范围" in str(error.value.error_dict["spatial_scope"])
