"""The demo catalog (config/demo/) loads completely, validly and idempotently."""
from __future__ import annotations

import collections
import os
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from ckan import model, plugins
from ckan.tests import helpers

from ckanext.datong import demo, uscc

DEMO_DIR = os.path.join(os.path.dirname(__file__), os.pardir, "config", "demo")


def read(filename: str) -> list[dict[str, Any]]:
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


def org_extras(name: str) -> dict[str, str]:
    org = helpers.call_action("organization_show", context=sysadmin_context(), id=name)
    return {extra["key"]: extra["value"] for extra in org["extras"]}


# --------------------------------------------------------------------------- the YAML


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
        assert org["uscc_is_demo"] is True
        assert "演示数据" in org["description"]


def test_yaml_region_codes() -> None:
    counties = {org["short_name"]: org["region_code"] for org in read("organizations.yaml")
                if org["kind"] == "县区"}
    assert counties == {
        "平城区": "140213", "云冈区": "140214", "新荣区": "140212", "云州区": "140215",
        "阳高县": "140221", "天镇县": "140222", "广灵县": "140223", "灵丘县": "140224",
        "浑源县": "140225", "左云县": "140226",
    }
    for org in read("organizations.yaml"):
        if org["kind"] != "县区":
            assert org["region_code"] == "140200", org["name"]


def test_check_reports_bad_entries() -> None:
    organizations, users, datasets = read("organizations.yaml"), read("users.yaml"), read("datasets.yaml")
    broken_org = dict(organizations[0], uscc=organizations[0]["uscc"][:-1] + "0")
    if broken_org["uscc"] == organizations[0]["uscc"]:
        broken_org["uscc"] = organizations[0]["uscc"][:-1] + "1"
    broken_dataset = dict(datasets[0], domain="体育", title="很长" * 26)
    with pytest.raises(demo.DemoDataError) as error:
        demo.check([broken_org] + organizations[1:], users, [broken_dataset] + datasets[1:])
    message = str(error.value)
    assert "is not a valid 统一社会信用代码" in message
    assert "domain must be one of" in message
    assert "at most 50 characters" in message


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
    assert summary.organizations.created == len(read("organizations.yaml")) >= 41
    assert summary.users.created == len(read("users.yaml")) == 5
    assert summary.datasets.created == len(read("datasets.yaml")) >= 60
    assert summary.line() == (
        f"demo data: {summary.organizations.total} organizations ({summary.organizations.total} "
        f"created, 0 updated, 0 unchanged), 5 users (5 created, 0 updated, 0 unchanged), "
        f"{summary.datasets.total} datasets ({summary.datasets.total} created, 0 updated, 0 unchanged)"
    )
    assert any(line.startswith(f"[1/{summary.datasets.total}] ") for line in loaded.lines)


def test_organization_kinds(loaded) -> None:
    # organization_list caps all_fields answers at 25: read each organization instead.
    names = helpers.call_action("organization_list", context=sysadmin_context(), limit=1000)
    assert len(names) == len(read("organizations.yaml"))
    kinds = collections.Counter(org_extras(name)["org_kind"] for name in names)
    assert kinds["市直部门"] + kinds["数据主管部门"] >= 30
    assert kinds["县区"] == 10
    assert kinds["经开区"] == 1
    assert kinds["数据主管部门"] == 1
    assert org_extras("dt-sjj")["org_kind"] == "数据主管部门"
    assert org_extras("dt-pcq")["region_code"] == "140213"
    assert org_extras("dt-jkq")["region_code"] == "140200"


def test_every_stored_credit_code_is_valid(loaded) -> None:
    for org in read("organizations.yaml"):
        extras = org_extras(org["name"])
        assert uscc.is_valid(extras["uscc"]), org["name"]
        assert extras["uscc"] == org["uscc"]
        assert extras["uscc_is_demo"] == "true"
        assert extras["short_name"] == org["short_name"]


def test_datasets_cover_every_domain(loaded) -> None:
    domains: collections.Counter[str] = collections.Counter()
    for entry in read("datasets.yaml"):
        dataset = helpers.call_action("package_show", context=sysadmin_context(), id=entry["name"])
        extras = {extra["key"]: extra["value"] for extra in dataset["extras"]}
        domains[extras["industry_domain"]] += 1
        assert extras["update_frequency"] == entry["update_frequency"]
        assert dataset["organization"]["name"] == entry["owner_org"]
        assert sorted(tag["name"] for tag in dataset["tags"]) == sorted(entry["tags"])
        assert len(dataset["resources"]) == len(entry["resources"])
    assert sum(domains.values()) >= 60
    assert set(domains) == set(demo.DOMAINS)
    assert min(domains.values()) >= 4


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
    assert {("dt-jtj", "editor"), ("dt-pcq", "member"), ("dt-sjj", "admin")} <= roles


def test_logins_are_echoed(loaded) -> None:
    text = "\n".join(loaded.lines)
    for entry in read("users.yaml"):
        assert entry["name"] in text and entry["password"] in text


def test_csv_resource_downloads(loaded, app) -> None:
    entry = next(d for d in read("datasets.yaml") if d["name"] == "datong-bus-routes")
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


def test_private_datasets_are_hidden_from_anonymous(loaded, app) -> None:
    private = {d["name"] for d in read("datasets.yaml") if d.get("private")}
    assert len(private) >= 3
    total = len(read("datasets.yaml"))
    anonymous = helpers.call_action(
        "package_search", context={"user": "", "ignore_auth": False}, q="*:*", rows=1000,
        include_private=True,
    )
    assert anonymous["count"] == total - len(private)
    assert not private & {d["name"] for d in anonymous["results"]}
    response = app.get("/api/3/action/package_search", query_string={"rows": 1000})
    assert response.status_code == 200
    assert response.json["result"]["count"] == total - len(private)
    assert not private & {d["name"] for d in response.json["result"]["results"]}
    admin = helpers.call_action(
        "package_search", context=sysadmin_context(), q="*:*", rows=1000, include_private=True
    )
    assert private <= {d["name"] for d in admin["results"]}


def test_second_load_changes_nothing(loaded) -> None:
    summary = demo.load(lambda line: None)
    for counts in (summary.organizations, summary.users, summary.datasets):
        assert counts.created == counts.updated == 0
        assert counts.unchanged == counts.total > 0
    assert not summary.changed


def test_load_repairs_drift(loaded) -> None:
    helpers.call_action("package_patch", context=sysadmin_context(), id="datong-bus-routes", title="改过的标题",
                        private=True)
    dataset = helpers.call_action("package_show", context=sysadmin_context(), id="datong-bus-routes")
    helpers.call_action("resource_delete", context=sysadmin_context(), id=dataset["resources"][1]["id"])
    helpers.call_action("organization_patch", context=sysadmin_context(), id="dt-fgw", description="改过")
    helpers.call_action("user_patch", context=sysadmin_context(), id="jtj-editor", password="Changed-password-1")

    summary = demo.load(lambda line: None)
    assert (summary.organizations.updated, summary.users.updated, summary.datasets.updated) == (1, 1, 1)
    dataset = helpers.call_action("package_show", context=sysadmin_context(), id="datong-bus-routes")
    assert dataset["title"] == "大同市公交线路信息" and dataset["private"] is False
    assert [r["name"] for r in dataset["resources"]] == ["公交线路基础信息", "公交站点", "公交实时到站接口"]
    assert model.User.get("jtj-editor").validate_password("Datong-editor-2026")
    assert not demo.load(lambda line: None).changed
