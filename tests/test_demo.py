"""The demo catalog (config/demo/) loads completely, validly and idempotently, and gives every
catalog rule of issue 3 a live example."""
from __future__ import annotations

import collections
import datetime
import os
import re
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from ckan import model, plugins
from ckan.tests import helpers

from ckanext.datong import clock, demo, loader, names, uscc, vocabulary

DEMO_DIR = os.path.join(os.path.dirname(__file__), os.pardir, "config", "demo")
COUNTIES = {
    "平城区": "140213", "云冈区": "140214", "新荣区": "140212", "云州区": "140215",
    "阳高县": "140221", "天镇县": "140222", "广灵县": "140223", "灵丘县": "140224",
    "浑源县": "140225", "左云县": "140226",
}


def read(filename: str) -> list[dict[str, Any]]:
    if filename == "datasets.yaml":
        return demo.read_datasets(DEMO_DIR)  # with the entries demo.py builds
    return demo.read_yaml(DEMO_DIR, filename)


@pytest.fixture(scope="module")
def loaded(reset_db) -> Iterator[SimpleNamespace]:
    """A fresh database with the demo data loaded once; `lines` holds what load echoed."""
    plugins.load_all()
    reset_db()
    lines: list[str] = []
    summary = demo.load(lines.append)
    yield SimpleNamespace(summary=summary, lines=lines)
    plugins.unload_all()


def sysadmin_context() -> dict[str, Any]:
    site_user = helpers.call_action("get_site_user", context={"ignore_auth": True})
    return {"user": site_user["name"], "ignore_auth": True}


def stored_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """package_show of a demo entry, found by name or, for unnamed ones, by 信息资源代码."""
    found = demo.find_entry(sysadmin_context, entry)
    assert found is not None, entry["title"]
    return found


def search(user: str, **data: Any) -> set[str]:
    """Titles package_search returns to `user` ("" = anonymous), auth enforced."""
    found = helpers.call_action("package_search", context={"user": user, "ignore_auth": False},
                                q="*:*", rows=1000, include_private=True, **data)
    return {d["title"] for d in found["results"]}


def entries_where(**wanted: str) -> set[str]:
    return {d["title"] for d in read("datasets.yaml")
            if all(d.get(key) == value for key, value in wanted.items())}


# --------------------------------------------------------------------------- the YAML


@pytest.mark.usefixtures("with_plugins")
def test_yaml_follows_the_rules() -> None:
    demo.check(read("organizations.yaml"), read("users.yaml"), read("datasets.yaml"))


def test_yaml_credit_codes_are_valid_and_marked_demo() -> None:
    organizations = read("organizations.yaml")
    codes = [org["uscc"] for org in organizations]
    assert len(set(codes)) == len(codes)
    for org in organizations:
        assert uscc.is_valid(org["uscc"]), org["name"]
        assert org["uscc"][:2] in ("11", "12")  # 机构编制: 机关 or 事业单位
        assert org["uscc"][2:8] == org["region_code"]
        assert org["uscc"][8:10] == "DT"  # the demo body
        assert org["uscc_is_demo"] is True
        assert "演示数据" in org["description"]


def test_yaml_region_and_department_codes() -> None:
    organizations = read("organizations.yaml")
    counties = {org["short_name"]: org["region_code"] for org in organizations if org["org_kind"] == "县区"}
    assert counties == COUNTIES
    for org in organizations:
        if org["org_kind"] != "县区":
            assert org["region_code"] == "140200", org["name"]
        assert re.fullmatch(r"\d{3}", org["dept_code"]), org["name"]
        assert org["contact_name"] and org["contact_phone"].startswith("0352-")
        assert org["contact_email"] == f"{org['name']}@demo.datong.example"
    per_region = collections.Counter((org["region_code"], org["dept_code"]) for org in organizations)
    assert max(per_region.values()) == 1  # dept_code unique per region


def test_yaml_codes_follow_their_provider() -> None:
    organizations = {org["name"]: org for org in read("organizations.yaml")}
    datasets = read("datasets.yaml")
    codes = [d["resource_code"] for d in datasets]
    assert len(set(codes)) == len(codes) == len(datasets)
    for d in datasets:
        owner = organizations[d["owner_org"]]
        front, back = d["resource_code"].split("/")
        assert front == d["resource_class"]
        assert back[:9] == owner["region_code"] + owner["dept_code"], d["title"]
    related = [code for d in datasets for code in d.get("related_codes") or []]
    assert len(related) >= 10 and set(related) <= set(codes)


@pytest.mark.usefixtures("with_plugins")
def test_yaml_has_a_live_example_of_every_rule() -> None:
    datasets = read("datasets.yaml")
    by = collections.defaultdict(list)
    for d in datasets:
        for field in ("share_type", "open_type", "data_grade", "spatial_scope", "industry_domain"):
            by[field, d[field]].append(d)
    assert {value for field, value in by if field == "share_type"} == set(vocabulary.values("share_types"))
    assert {value for field, value in by if field == "open_type"} == set(vocabulary.values("open_types"))
    assert {value for field, value in by if field == "data_grade"} == {"一般-1", "一般-2", "一般-3", "一般-4", "重要"}
    assert {value for field, value in by if field == "industry_domain"} == set(vocabulary.values("industry_domains"))
    assert min(len(by["industry_domain", domain]) for domain in vocabulary.values("industry_domains")) >= 4
    counties = {value for field, value in by if field == "spatial_scope"} & set(COUNTIES.values())
    assert len(counties) >= 8
    assert by["spatial_scope", "140200-sz"]  # 市直
    assert {m for d in datasets for m in d["modality"]} == set(vocabulary.values("modalities"))
    for d in by["share_type", "有条件共享"] + by["share_type", "不予共享"]:
        assert len(d["share_condition"]) >= 20, d["title"]
    assert all("法" in d["share_condition"] or "条例" in d["share_condition"]
               for d in by["share_type", "不予共享"])  # the legal basis
    assert all(d["open_type"] == "不予开放" for d in by["share_type", "不予共享"])
    assert all(len(d["open_condition"]) >= 20 for d in by["open_type", "有条件开放"])
    # 不予开放 shared with and without conditions: government users see both kinds.
    assert {d["share_type"] for d in by["open_type", "不予开放"]} == set(vocabulary.values("share_types"))
    items = [(d, item) for d in datasets for item in d.get("items") or []]
    assert any(item.get("personal_info") for _, item in items)
    assert any(item.get("sensitive") for _, item in items)
    assert any(item.get("item_share_type") for _, item in items)
    assert any(item.get("item_open_type") for _, item in items)
    assert {item["data_type"] for _, item in items} >= {"C", "N", "Y", "D", "T", "L", "G", "I"}
    raised = [d for d in datasets if d.get("items") and all(
        vocabulary.rank("grades", d["data_grade"]) > vocabulary.rank("grades", item.get("item_grade", "一般-1"))
        for item in d["items"])]
    assert raised  # a grade raised above every 信息项 (就高从严 allows raising only)
    assert any("name" not in d for d in datasets)  # URL names made from the title's pinyin


def test_yaml_items_list_the_table_columns() -> None:
    for d in read("datasets.yaml"):
        columns = demo.table_columns(d)
        if columns:
            assert [item["item_name"] for item in d["items"]] == columns, d["title"]


@pytest.mark.usefixtures("with_plugins")
def test_check_reports_bad_entries() -> None:
    organizations, users, datasets = read("organizations.yaml"), read("users.yaml"), read("datasets.yaml")
    broken_org = dict(organizations[0], uscc=organizations[0]["uscc"][:-1] + "0")
    if broken_org["uscc"] == organizations[0]["uscc"]:
        broken_org["uscc"] = organizations[0]["uscc"][:-1] + "1"
    twin_org = dict(organizations[1], dept_code=organizations[0]["dept_code"])
    broken_dataset = dict(datasets[0], industry_domain="体育", title="很长" * 26, domain="文旅",
                          resource_code="201010/14020009900001", related_codes=["101001/14020000100099"])
    broken_dataset["items"] = broken_dataset["items"][1:]
    with pytest.raises(demo.DemoDataError) as error:
        demo.check([broken_org, twin_org] + organizations[2:], users, [broken_dataset] + datasets[1:])
    message = str(error.value)
    assert "is not a valid 统一社会信用代码" in message
    assert "dept_code 001 already used in its region" in message
    assert "industry_domain must be one of" in message
    assert "at most 50 characters" in message
    assert "unknown fields domain" in message
    assert "resource_code must continue with the owner's region_code and dept_code" in message
    assert "related_codes 101001/14020000100099 are not other demo entries" in message
    assert "items must list the table columns in order" in message


def test_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(demo.DemoDataError, match="demo data file missing: .*organizations.yaml"):
        demo.load(lambda line: None, directory=str(tmp_path))


def test_table_csv_has_bom_and_crlf() -> None:
    data = demo.table_csv(["日期", "人数"], [["2025-10-01", 3], ["2025-10-02", 4]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "日期,人数\r\n2025-10-01,3\r\n2025-10-02,4\r\n"


# --------------------------------------------------------------------------- loaded into CKAN


def test_first_load_creates_everything(loaded) -> None:
    summary = loaded.summary
    users = len(read("users.yaml"))
    assert summary.organizations.created == len(read("organizations.yaml")) >= 41
    assert summary.users.created == users == 7
    assert summary.scenarios.created == len(read("scenarios.yaml")) >= 1
    assert summary.datasets.created == len(read("datasets.yaml")) >= 72
    assert summary.line() == (
        f"demo data: {summary.organizations.total} organizations ({summary.organizations.total} "
        f"created, 0 updated, 0 unchanged), {users} users ({users} created, 0 updated, 0 unchanged), "
        f"{summary.datasets.total} datasets ({summary.datasets.total} created, 0 updated, 0 unchanged), "
        f"{summary.scenarios.total} scenarios ({summary.scenarios.total} created, 0 updated, 0 unchanged), "
        f"{summary.use_cases.total} use cases ({summary.use_cases.total} created, 0 updated, 0 unchanged), "
        f"2 registrations (2 created, 0 updated, 0 unchanged)"
    )
    assert summary.use_cases.created == len(read("use_cases.yaml")) >= 6
    assert "use case 智慧停车诱导 (created)" in loaded.lines
    assert "scenario 县区养老服务补贴核对 (created)" in loaded.lines
    progress = [line for line in loaded.lines if line.startswith("[")]
    assert len(progress) == summary.datasets.total
    assert progress[0].startswith(f"[1/{summary.datasets.total}] ") and progress[0].endswith(" (created)")
    assert progress[-1].endswith("] 大同市养老服务机构名录 (created)")
    assert loaded.lines[loaded.lines.index(progress[-1]) + 1] == "  datastore table 养老服务机构名录: 已导入 60 行、7 列"


def test_organizations_carry_their_schema_fields(loaded) -> None:
    # organization_list caps all_fields answers at 25: read each organization instead.
    names_ = helpers.call_action("organization_list", context=sysadmin_context(), limit=1000)
    assert len(names_) == len(read("organizations.yaml"))
    kinds: collections.Counter[str] = collections.Counter()
    for entry in read("organizations.yaml"):
        org = helpers.call_action("organization_show", context=sysadmin_context(), id=entry["name"],
                                  include_users=False, include_datasets=False)
        kinds[org["org_kind"]] += 1
        for field in demo.organization_fields().names:
            assert org[field] == demo._text(entry[field]), (entry["name"], field)
        assert org["uscc_is_demo"] == "true" and uscc.is_valid(org["uscc"])
        assert not org.get("extras")  # schema fields, not free extras
    assert kinds["市直部门"] >= 30
    assert (kinds["县区"], kinds["经开区"], kinds["数据主管部门"]) == (10, 1, 1)


def test_entries_carry_their_catalog_fields(loaded) -> None:
    domains: collections.Counter[str] = collections.Counter()
    for entry in read("datasets.yaml"):
        dataset = stored_entry(entry)
        domains[dataset["industry_domain"]] += 1
        for field in demo.dataset_fields().text:
            assert dataset.get(field, "") == demo._text(entry.get(field)), (entry["title"], field)
        for field in demo.dataset_fields().lists:
            assert sorted(dataset.get(field) or []) == sorted(entry.get(field) or []), (entry["title"], field)
        assert dataset["resource_attribute"] == vocabulary.class_attribute(entry["resource_class"][0])
        assert [item["item_name"] for item in dataset.get("items") or []] == [
            item["item_name"] for item in entry.get("items") or []]
        for stored_item, item in zip(dataset.get("items") or [], entry.get("items") or []):
            assert stored_item["personal_info"] == ("true" if item.get("personal_info") else "false")
            assert stored_item["sensitive"] == ("true" if item.get("sensitive") else "false")
            assert stored_item["item_grade"] == item.get("item_grade", "")
        assert dataset["organization"]["name"] == entry["owner_org"]
        assert dataset["private"] is False
        assert sorted(tag["name"] for tag in dataset["tags"]) == sorted(entry["tags"])
        assert len(dataset["resources"]) == len(entry["resources"])
    assert set(domains) == set(vocabulary.values("industry_domains"))


def test_unnamed_entries_get_pinyin_names(loaded) -> None:
    unnamed = [entry for entry in read("datasets.yaml") if "name" not in entry]
    assert len(unnamed) >= 3
    stored = [stored_entry(entry)["name"] for entry in unnamed]
    assert stored == [names.slug(entry["title"]) for entry in unnamed]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name) for name in stored)
    assert "datongshi-xinfang-shixiang-banli-jilu" in stored  # 大同市信访事项办理记录


def test_demo_users_and_roles(loaded) -> None:
    for entry in read("users.yaml"):
        user = helpers.call_action("user_show", context=sysadmin_context(), id=entry["name"])
        assert user["fullname"] == entry["fullname"]
        assert user["email"] == entry["email"]
        assert user["sysadmin"] is bool(entry.get("sysadmin"))
        assert model.User.get(entry["name"]).validate_password(entry["password"])
        memberships = helpers.call_action(
            "organization_list_for_user", context=sysadmin_context(), id=entry["name"], permission="read"
        )
        if entry.get("organization"):
            org = helpers.call_action(
                "organization_show", context=sysadmin_context(), id=entry["organization"], include_users=True
            )
            capacities = {member["name"]: member["capacity"] for member in org["users"]}
            assert capacities[entry["name"]] == entry["capacity"]
        elif not entry.get("sysadmin"):
            assert memberships == []  # the citizen belongs to no organization
    roles = {(entry.get("organization"), entry.get("capacity")) for entry in read("users.yaml")}
    assert {("dt-jtj", "editor"), ("dt-tjj", "editor"), ("dt-pcq", "member"), ("dt-sjj", "admin")} <= roles


def test_logins_are_echoed(loaded) -> None:
    text = "\n".join(loaded.lines)
    for entry in read("users.yaml"):
        assert entry["name"] in text and entry["password"] in text


def test_csv_resource_downloads(loaded, app) -> None:
    entry = next(d for d in read("datasets.yaml") if d.get("name") == "datong-bus-routes")
    dataset = helpers.call_action("package_show", context=sysadmin_context(), id="datong-bus-routes")
    resource = dataset["resources"][0]
    assert resource["url_type"] == "upload"
    assert resource["format"] == "CSV"
    assert resource["url"].endswith("/download/datong-bus-routes.csv")
    response = app.get(resource["url"].replace("http://test.ckan.net", ""))
    assert response.status_code == 200
    expected = demo.table_csv(entry["resources"][0]["columns"], entry["resources"][0]["rows"])
    assert response.data == expected
    assert "大同南站" in response.data.decode("utf-8-sig")
    api = dataset["resources"][2]
    assert api["url"].startswith("https://data.datong.gov.cn/api/")
    assert api["url_type"] in ("", None)


def test_visibility_follows_the_attributes(loaded) -> None:
    """The demo shows the visibility rules: open entries to everyone, 不予开放 ones to
    government users, 不予共享 ones to the owning department and the authority."""
    everything = entries_where()
    not_open = entries_where(open_type="不予开放")
    not_shared = entries_where(share_type="不予共享")
    statistics_only = entries_where(share_type="不予共享", owner_org="dt-tjj")
    assert not_open and not_shared and statistics_only
    assert search("") == search("citizen-demo") == everything - not_open
    assert search("pcq-official") == search("jtj-editor") == everything - not_shared
    assert search("tjj-editor") == everything - (not_shared - statistics_only)
    assert search("sjj-reviewer") == search("dt-sysadmin") == everything


def test_second_load_changes_nothing(loaded) -> None:
    summary = demo.load(lambda line: None)
    for counts in (summary.organizations, summary.users, summary.datasets, summary.scenarios,
                   summary.use_cases, summary.registrations):
        assert counts.created == counts.updated == 0
        assert counts.unchanged == counts.total > 0
    assert not summary.changed


def test_load_repairs_drift(loaded) -> None:
    context = sysadmin_context()
    helpers.call_action("package_patch", context=context, id="datong-bus-routes", title="改过的标题",
                        private=True, share_method=["库表"])
    dataset = helpers.call_action("package_show", context=context, id="datong-bus-routes")
    helpers.call_action("resource_delete", context=context, id=dataset["resources"][1]["id"])
    minimum = next(d for d in read("datasets.yaml") if d.get("name") == "datong-minimum-living-allowance")
    stored = helpers.call_action("package_show", context=context, id=minimum["name"])
    items = [dict(item, sensitive="false") for item in stored["items"]]
    helpers.call_action("package_patch", context=context, id=minimum["name"], items=items)
    helpers.call_action("organization_patch", context=context, id="dt-fgw", description="改过",
                        contact_phone="0352-1111111")
    helpers.call_action("user_patch", context=context, id="jtj-editor", password="Changed-password-1")

    summary = demo.load(lambda line: None)
    assert (summary.organizations.updated, summary.users.updated, summary.datasets.updated) == (1, 1, 2)
    dataset = helpers.call_action("package_show", context=context, id="datong-bus-routes")
    assert dataset["title"] == "大同市公交线路信息" and dataset["private"] is False
    assert dataset["share_method"] == ["接口", "文件"]
    assert [r["name"] for r in dataset["resources"]] == ["公交线路基础信息", "公交站点", "公交实时到站接口"]
    stored = helpers.call_action("package_show", context=context, id=minimum["name"])
    assert [item["sensitive"] for item in stored["items"]] == [
        "true" if item.get("sensitive") else "false" for item in minimum["items"]]
    org = helpers.call_action("organization_show", context=context, id="dt-fgw")
    assert org["contact_phone"] == "0352-5600002"
    assert model.User.get("jtj-editor").validate_password("Datong-editor-2026")
    assert not demo.load(lambda line: None).changed


def test_elderly_care_roster_is_in_the_datastore(loaded) -> None:
    """The roster is queryable through the DataStore API, its codes start with their county's
    code, and the entry names the column that holds them (属地字段)."""
    dataset = helpers.call_action("package_show", context=sysadmin_context(), id="datong-elderly-care-institutions")
    assert dataset["region_item"] == "行政区划代码"
    assert [item["item_name"] for item in dataset["items"] if item["personal_info"] == "true"] == ["联系电话"]
    resource = dataset["resources"][0]
    assert resource["datastore_active"] is True
    assert loader.status(resource["id"])["state"] == "已导入"
    found = helpers.call_action("datastore_search", context=sysadmin_context(), resource_id=resource["id"],
                                limit=1000)
    assert found["total"] == len(found["records"]) == 60
    types = {field["id"]: field["type"] for field in found["fields"]}
    assert types == {"_id": "int", "机构名称": "text", "行政区划代码": "text", "所在县区": "text",
                     "机构性质": "text", "床位数": "int4", "联系电话": "text", "登记日期": "date"}
    assert collections.Counter(row["所在县区"] for row in found["records"]) == {county: 6 for county in COUNTIES}
    for row in found["records"]:
        assert row["行政区划代码"].startswith(COUNTIES[row["所在县区"]]) and len(row["行政区划代码"]) in (9, 12)
    lingqiu = helpers.call_action("datastore_search", context=sysadmin_context(), resource_id=resource["id"],
                                  filters={"所在县区": "灵丘县"}, fields=["机构名称", "床位数"], sort="床位数 desc")
    assert lingqiu["total"] == 6 and lingqiu["records"][0] == {"机构名称": "灵丘县社会福利院", "床位数": 170}


def test_a_county_official_gets_the_rows_of_their_county_through_the_demo_scenario(loaded) -> None:
    """The demo's 按属地回流 path: 平城区's official asks for the elderly-care roster within the
    scenario, is approved at once, and reads only 平城区's rows and the granted columns."""
    official = {"user": "pcq-official", "ignore_auth": False}
    [scenario] = helpers.call_action("datong_scenario_list", context=dict(official))
    today = clock.now().date()  # Beijing date: the portal checks dates in Beijing time
    entry = helpers.call_action("package_show", context=dict(official),
                                id="datong-elderly-care-institutions")
    draft = helpers.call_action(
        "datong_request_create", context=dict(official), scenario_id=scenario["id"],
        entries=[{"package_id": entry["id"], "items": ["机构名称", "行政区划代码", "床位数"]}],
        purpose="核对平城区养老机构床位", basis="《山西省养老服务条例》", start_date=today.isoformat(),
        end_date=(today + datetime.timedelta(days=30)).isoformat(), frequency="每月",
        delivery="接口", territory="own", contact_name="李慧敏", contact_phone="0352-2010000",
        commitment=True)
    decided = helpers.call_action("datong_request_submit", context=dict(official), id=draft["id"])
    assert decided["state"] == "approved"
    found = helpers.call_action("datastore_search", context=dict(official),
                                resource_id=entry["resources"][0]["id"], limit=100)
    assert [f["id"] for f in found["fields"]] == ["_id", "机构名称", "行政区划代码", "床位数"]
    assert found["total"] == 6 and {r["行政区划代码"][:6] for r in found["records"]} == {"140213"}


def test_the_demo_citizen_applies_for_conditionally_open_data(loaded) -> None:
    """The demo's 有条件开放 path: the citizen applies for the taxi companies' table, the
    transport bureau's editor approves, and the citizen may then download the file."""
    citizen = {"user": "citizen-demo", "ignore_auth": False}
    entry = "datong-taxi-companies"
    before = helpers.call_action("package_show", context=dict(citizen), id=entry)
    assert before["datong_access"]["download"] == "grant_required"
    assert [r["url"] for r in before["resources"]] == [""]
    draft = helpers.call_action(
        "datong_opening_create", context=dict(citizen), package_id=entry,
        applicant_kind="person", applicant_name="王芳", purpose="研究大同市新能源出租汽车的推广进度",
        end_date=(clock.now().date() + datetime.timedelta(days=30)).isoformat(),
        contact_phone="13800000000", agreement=True)
    helpers.call_action("datong_request_submit", context=dict(citizen), id=draft["id"])
    approved = helpers.call_action("datong_request_review",
                                   context={"user": "jtj-editor", "ignore_auth": False},
                                   id=draft["id"], outcome="approve")
    assert approved["state"] == "approved"
    after = helpers.call_action("package_show", context=dict(citizen), id=entry)
    assert after["datong_access"]["download"] == "allowed"
    assert after["resources"][0]["url"].endswith(".csv")
