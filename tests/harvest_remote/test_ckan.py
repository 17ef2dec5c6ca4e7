"""datong_ckan against a real second CKAN process running our extension: a first harvest
maps the municipal fields 1:1, a second finds nothing changed, edits and deletions at the
remote are followed; organization and group filters, paging, defaults for a stock CKAN."""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, Iterator

import ckanapi
import pytest
from ckan import plugins
from ckan.tests import helpers

from ckanext.datong import uscc
from ckanext.datong.harvesters import base
from ckanext.datong.harvesters.ckan import DatongCkanHarvester, entry, filter_query, site_root
from ckanext.datong.harvesters.http import FetchError
from tests import worlds
from tests.hangzhou import convert
from tests.harvest_remote.conftest import HAS_CJK, create_source, run_job, source_datasets

COMPARED = ("title", "notes", "resource_class", "industry_domain", "catalog_format", "share_type",
            "share_method", "open_type", "open_condition", "update_frequency", "publish_date",
            "spatial_scope", "modality", "data_volume", "data_grade")
ENTRIES_A, ENTRIES_B, IN_GROUP = 20, 10, 5


def remote_organization(number: int) -> dict[str, Any]:
    return {"name": f"remote-dept-{number}", "title": f"远程测试部门{number}", "org_kind": "市直部门",
            "region_code": "140200", "dept_code": f"{100 + number:03d}", "uscc_is_demo": "true",
            "uscc": uscc.make_code("1", "1", "140200", f"RM{number:06d}")}


@pytest.fixture(scope="module")
def remote(remote_ckan) -> SimpleNamespace:
    """The remote catalog: 30 Hangzhou entries in two departments, 5 of them in a group."""
    api = ckanapi.RemoteCKAN(remote_ckan.url, apikey=remote_ckan.token)
    orgs = [api.action.organization_create(**remote_organization(n)) for n in (1, 2)]
    group = api.action.group_create(name="remote-theme", title="远程专题")
    packages = [e.package for e in convert.entries(convert.read()[:150]) if len(e.package["title"]) <= 50]
    created = []
    for number, package in enumerate(packages[:ENTRIES_A + ENTRIES_B]):
        data = dict(package, spatial_scope="140200", owner_org=orgs[0 if number < ENTRIES_A else 1]["id"])
        data["items"] = [{"item_name": "名称", "data_type": "C", "length": "50"},
                         {"item_name": "日期", "data_type": "D"}]
        if number < IN_GROUP:
            data["groups"] = [{"name": group["name"]}]
        created.append(api.action.package_create(**data))
    return SimpleNamespace(api=api, url=remote_ckan.url, token=remote_ckan.token, orgs=orgs,
                           group=group, created=created)


@pytest.fixture(scope="module")
def harvest(remote, reset_db) -> Iterator[SimpleNamespace]:
    """A local department with a datong_ckan source on the remote (read with its token,
    5 per page so paging is exercised)."""
    plugins.load_all()
    reset_db()
    org = worlds.department()
    source = create_source(org["id"], "datong_ckan", remote.url, {"api_token": remote.token, "rows": 7},
                           "remote-ckan")
    yield SimpleNamespace(org=org, source=source)
    plugins.unload_all()


def by_code(datasets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {dataset["resource_code"]: dataset for dataset in datasets}


def test_first_run_copies_every_remote_entry(remote, harvest) -> None:
    job = run_job(harvest.source)
    assert job["stats"].get("added") == ENTRIES_A + ENTRIES_B, job
    assert not job["stats"].get("errored")
    local = by_code(source_datasets(harvest.source["id"]))
    assert set(local) == {dataset["resource_code"] for dataset in remote.created}
    for original in remote.created:
        copy = local[original["resource_code"]]
        for field in COMPARED:
            assert copy.get(field) == original.get(field), field
        assert [(i["item_name"], i["data_type"]) for i in copy["items"]] == [("名称", "C"), ("日期", "D")]
        assert [(r["name"], r["url"], r["format"]) for r in copy["resources"]] == \
            [(r["name"], r["url"], r["format"]) for r in original["resources"]]
        assert copy["owner_org"] == harvest.org["id"]
        assert copy["private"] is False
    searched = helpers.call_action("package_search", fq=f'harvest_source_id:"{harvest.source["id"]}"', rows=100)
    assert searched["count"] == ENTRIES_A + ENTRIES_B  # the origin is indexed with the entry


def test_second_run_finds_nothing_changed(harvest) -> None:
    job = run_job(harvest.source)
    assert job["stats"].get("not modified") == ENTRIES_A + ENTRIES_B, job
    assert not any(job["stats"].get(key) for key in ("added", "updated", "errored", "deleted"))


def test_edits_and_deletions_at_the_remote_are_followed(remote, harvest) -> None:
    edited, deleted = remote.created[3:5], remote.created[10:12]
    for dataset in edited:
        remote.api.action.package_patch(id=dataset["id"], notes=dataset["notes"] + "（已修订）",
                                        update_frequency="每日")
    for dataset in deleted:
        remote.api.action.package_delete(id=dataset["id"])
    job = run_job(harvest.source)
    assert job["stats"].get("updated") == 2, job
    assert job["stats"].get("deleted") == 2, job
    assert job["stats"].get("not modified") == ENTRIES_A + ENTRIES_B - 4
    local = by_code(source_datasets(harvest.source["id"]))
    for dataset in edited:
        copy = local[dataset["resource_code"]]
        assert copy["notes"].endswith("（已修订）") and copy["update_frequency"] == "每日"
    for dataset in deleted:
        assert local[dataset["resource_code"]]["private"] is True  # withdrawn (the default)
    assert sum(not d["private"] for d in local.values()) == ENTRIES_A + ENTRIES_B - 2


def collect(config: dict[str, Any], url: str) -> list[base.RemoteEntry]:
    return list(DatongCkanHarvester().entries(url, config, lambda message: None))


def test_organization_and_group_filters(remote, harvest) -> None:
    config = {"organizations": [remote.orgs[1]["name"]], "defaults": {"data_grade": "一般-1"}, "rows": 3}
    found = collect(config, remote.url + "/api/3/action")
    live = [d for d in remote.created[ENTRIES_A:] if d["id"] not in {x["id"] for x in remote.created[10:12]}]
    assert sorted(e.guid for e in found) == sorted(d["id"] for d in live)
    assert {e.origin_url.rsplit("/", 1)[0] for e in found} == {remote.url + "/dataset"}
    grouped = collect({"groups": [remote.group["name"]], "api_token": remote.token}, remote.url)
    assert sorted(e.guid for e in grouped) == sorted(d["id"] for d in remote.created[:IN_GROUP])
    both = collect({"groups": [remote.group["name"]], "organizations": [remote.orgs[1]["name"]]}, remote.url)
    assert both == []


def test_anonymous_reading_takes_the_grade_from_the_defaults(remote, harvest) -> None:
    """A remote Datong portal hides grades from anonymous readers: the default fills them."""
    found = collect({"organizations": [remote.orgs[0]["name"]], "defaults": {"data_grade": "一般-2"}}, remote.url)
    assert len(found) == ENTRIES_A - 2  # two of them were deleted above
    assert {e.data["data_grade"] for e in found} == {"一般-2"}
    assert all(e.data["resource_class"] and e.data["resource_code"] for e in found)


def test_a_stock_ckan_dataset_takes_the_catalog_fields_from_the_defaults() -> None:
    defaults = {"resource_class": "301001", "industry_domain": "交通", "share_type": "无条件共享",
                "open_type": "无条件开放", "data_grade": "一般-1", "notes": "缺省摘要"}
    dataset = {"id": "abc", "name": "bus-lines", "title": "Bus lines", "notes": "",
               "metadata_created": "2024-05-06T07:08:09", "tags": [{"name": "transport"}],
               "organization": {"title": "Transport"},
               "resources": [{"name": "lines.csv", "url": "https://example.org/lines.csv", "format": "CSV",
                              "id": "r1", "size": 12}]}
    result = entry("https://ckan.example.org", dataset, ["title", "notes"], ["url", "name", "description", "format"],
                   defaults)
    assert result.guid == "abc" and result.origin_url == "https://ckan.example.org/dataset/bus-lines"
    assert result.data == {"title": "Bus lines", "notes": "缺省摘要", "publish_date": "2024-05-06",
                           "tag_string": "transport", "resource_class": "301001", "industry_domain": "交通",
                           "share_type": "无条件共享", "open_type": "无条件开放", "data_grade": "一般-1",
                           "resources": [{"name": "lines.csv", "url": "https://example.org/lines.csv",
                                          "format": "CSV"}]}


def test_site_root_and_filter_query() -> None:
    for given in ("https://a.example/", "https://a.example/api/3/action", "https://a.example/api/3"):
        assert site_root(given) == "https://a.example"
    assert filter_query({"organizations": ["a", "b"], "groups": ["g"]}) == \
        'organization:("a" OR "b") AND groups:("g")'
    assert filter_query({}) == ""


@pytest.mark.parametrize("config, fragment", [
    ({"organizations": "a"}, "organizations"),
    ({"rows": 0}, "rows"),
    ({"defaults": {"owner_org": "x"}}, "owner_org"),
    ({"defaults": {"no_such_field": "x"}}, "no_such_field"),
    ({"orgs": ["a"]}, "无法识别的键"),
])
def test_bad_configs_are_refused_in_chinese(harvest, config, fragment) -> None:
    with pytest.raises(ValueError) as error:
        DatongCkanHarvester().validate_config(json.dumps(config))
    assert fragment in str(error.value) and HAS_CJK.search(str(error.value))


def test_a_site_that_is_not_ckan_or_is_unreachable_is_a_source_fault(harvest, feed_server) -> None:
    feed_server.documents["/api/3/action/package_search?q=%2A%3A%2A&rows=100&sort=metadata_created+asc&start=0"] = \
        (b'{"hello": "world"}', "application/json")
    with pytest.raises(base.SourceError, match="不是 CKAN API"):
        collect({}, feed_server.url)
    with pytest.raises(FetchError):
        collect({"retries": 0, "timeout": 2}, "http://127.0.0.1:9")
