"""The rebuild's bulk path (search/bulk_show.py) indexes exactly what package_show did, and one
failing entry never sinks its batch."""
from __future__ import annotations

import datetime
import json
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from ckan import model, plugins
from ckan.cli.cli import ckan as ckan_command
from ckan.lib.search import index_for
from ckan.tests import helpers
import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestJob, HarvestObject

from ckanext.datong import demo
from ckanext.datong.model import Popularity
from ckanext.datong.plugin import DatongPlugin
from ckanext.datong.search import bulk_show, rebuild
from ckanext.datong.search.connection import collecting_documents
from tests import factories, worlds

from tests.search.conftest import names, search


def _sysadmin_context() -> dict[str, Any]:
    return {"ignore_auth": True, "user": helpers.call_action("get_site_user")["name"]}


def _harvest(entry: dict[str, Any], owner_org: str) -> dict[str, Any]:
    """A harvest source with a current harvest object pointing at `entry` (as an import
    leaves it); returns the source."""
    source = helpers.call_action(
        "harvest_source_create", context=_sysadmin_context(), name="bulk-show-source",
        title="某部门目录接口", url="http://127.0.0.1:9/catalog.json", source_type="datong_json",
        owner_org=owner_org, frequency="MANUAL",
        config=json.dumps({"fields": {"title": "名称"}}, ensure_ascii=False))
    job = HarvestJob(source_id=source["id"], status="Finished")
    job.save()
    HarvestObject(guid="record-1", job=job, harvest_source_id=source["id"], package_id=entry["id"],
                  current=True, state="COMPLETE", report_status="added",
                  import_finished=datetime.datetime(2026, 11, 30, 8, 0)).save()
    return source


@pytest.fixture(scope="module")
def catalog(reset_db) -> Iterator[SimpleNamespace]:
    """The demo catalog (every 1272 field, 信息项, related codes, uploaded and DataStore
    files, private and conditionally open entries) plus what it lacks: groups (one with an
    uploaded image and a member), a harvested entry and its source, a deleted resource, a
    draft, a county's city-wide entry, relationships and popularity counts."""
    plugins.load_all()
    reset_db()
    demo.load(lambda line: None)
    context = _sysadmin_context()
    admin = factories.Sysadmin()
    # an explicit department number: the factory's sequence may reach one of the demo's
    org = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}], dept_code="901")
    themes = [helpers.call_action("group_create", context=dict(context, user=admin["name"]),
                                  name=name, title=title, image_url=image,
                                  users=[{"name": admin["name"], "capacity": "admin"}])
              for name, title, image in (("theme-transport", "交通出行", "transport.png"),
                                         ("theme-life", "生活服务", "http://example.com/life.png"))]
    grouped = factories.Dataset(
        owner_org=org["id"], title="  公交线路与站点  ", tags=[{"name": "公交"}, {"name": "交通"}],
        groups=[{"name": theme["name"]} for theme in themes],
        resources=[{"url": "http://example.com/lines.csv", "format": "CSV", "name": "线路"},
                   {"url": "example.com/stops.json", "format": "JSON", "name": "站点"},
                   {"url": "http://example.com/old.xls", "format": "XLS", "name": "旧表"}])
    helpers.call_action("resource_delete", context=dict(context), id=grouped["resources"][2]["id"])
    harvested = factories.Dataset(owner_org=org["id"], title="采集的目录", private=True,
                                  tags=[{"name": "交通"}, {"name": "采集"}])
    source = _harvest(harvested, org["id"])
    draft = factories.Dataset(owner_org=org["id"], title="草稿条目", state="draft")
    county = worlds.county("阳高县人民政府办公室", "140221", dept_code="902")
    county_wide = factories.Dataset(owner_org=county["id"], title="县里编制的全市条目")  # 空间范围 全市
    helpers.call_action("package_relationship_create", context=dict(context),
                        subject=grouped["id"], object=harvested["id"], type="depends_on")
    model.Session.add(Popularity(package_id=grouped["id"], views_total=40, views_recent=7,
                                 downloads_total=9, downloads_recent=2))
    model.Session.commit()
    ids = [row[0] for row in model.Session.query(model.Package.id)
           .filter(model.Package.state != model.State.DELETED).order_by(model.Package.id)]
    model.Session.remove()
    yield SimpleNamespace(ids=ids, grouped=grouped, harvested=harvested, source=source, draft=draft,
                          county_wide=county_wide)
    plugins.unload_all()


def documents_by_package_show(ids: list[str]) -> dict[str, dict[str, Any]]:
    """The index documents of the per-entry path the rebuild used before: package_show, then
    CKAN's index_package."""
    package_index = index_for(model.Package)
    show = tk.get_action("package_show")
    with collecting_documents() as docs:
        for package_id in ids:
            package_index.index_package(
                show({"ignore_auth": True, "validate": False, "use_cache": False}, {"id": package_id}))
    model.Session.remove()
    return {doc["id"]: doc for doc in docs}


def documents_by_bulk_show(ids: list[str]) -> dict[str, dict[str, Any]]:
    package_index = index_for(model.Package)
    batch = bulk_show.load(ids)
    with collecting_documents() as docs:
        for package_id in ids:
            package_index.index_package(batch.show(package_id))
    model.Session.remove()
    return {doc["id"]: doc for doc in docs}


@pytest.mark.usefixtures("with_request_context")
def test_bulk_documents_equal_package_show_documents_field_by_field(catalog):
    expected = documents_by_package_show(catalog.ids)
    found = documents_by_bulk_show(catalog.ids)

    assert sorted(found) == sorted(expected) == sorted(catalog.ids)
    differences = [
        (package_id, field, found[package_id].get(field, "<missing>"), value)
        for package_id, doc in expected.items()
        for field, value in doc.items()
        if found[package_id].get(field, "<missing>") != value
    ] + [(package_id, field, "<extra>", None)
         for package_id, doc in found.items() for field in set(doc) - set(expected[package_id])]
    assert differences == []
    # the variety the comparison covered
    docs = list(expected.values())
    shown = {doc["id"]: json.loads(doc["data_dict"]) for doc in docs}
    assert len(docs) >= 25
    assert any(doc["capacity"] == "private" for doc in docs)
    assert any(doc.get("res_url") and "/download/" in " ".join(doc["res_url"]) for doc in docs)
    assert any("item_name" in doc["data_dict"] for doc in docs)  # 信息项
    assert any("related_codes" in doc["data_dict"] for doc in docs)
    grouped = expected[catalog.grouped["id"]]
    assert sorted(grouped["groups"]) == ["theme-life", "theme-transport"]
    assert [g["member_count"] for g in shown[catalog.grouped["id"]]["groups"]] == [1, 1]
    assert grouped["res_format"] == ["CSV", "JSON"]  # the deleted resource left out
    assert grouped["views_total"] == 40 and grouped["resources_accessed_recent"] == 2
    assert grouped["depends_on"] == [catalog.harvested["name"]]
    assert expected[catalog.harvested["id"]]["harvest_source_id"] == catalog.source["id"]
    assert expected[catalog.draft["id"]]["state"] == "draft"
    assert "status" in shown[catalog.source["id"]]  # the harvest source's own hook


@pytest.mark.usefixtures("with_request_context")
def test_rebuild_writes_the_documents_package_show_gave(catalog):
    expected = documents_by_package_show(catalog.ids)
    summary = rebuild.rebuild(workers=1, batch_size=7, echo=lambda line: None)

    assert (summary.indexed, summary.failed) == (len(catalog.ids), [])
    stored = dict(model.Session.execute(sa.text("SELECT id, doc FROM datong_search_doc")).all())
    model.Session.remove()
    assert stored == {package_id: json.loads(json.dumps(doc)) for package_id, doc in expected.items()}
    # the facts the rebuild reads once per batch are in the comparison: the 区县 an entry has
    # from its county organization only, and the popularity counts
    assert stored[catalog.county_wide["id"]]["datong_county"] == "140221"
    assert stored[catalog.grouped["id"]]["views_total"] == 40


def _break_in_a_hook(monkeypatch, broken: dict[str, Any]) -> None:
    """after_dataset_show runs a statement the database refuses, for one entry."""
    original = DatongPlugin.after_dataset_show

    def after_dataset_show(self, context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
        if pkg_dict["id"] == broken["id"]:
            model.Session.execute(sa.text("SELECT 1 / 0"))
        original(self, context, pkg_dict)
    monkeypatch.setattr(DatongPlugin, "after_dataset_show", after_dataset_show)


def _break_its_document(monkeypatch, broken: dict[str, Any]) -> None:
    """One entry's index document holds a NUL character, which PostgreSQL text refuses."""
    original = DatongPlugin.before_dataset_index

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        pkg_dict = original(self, pkg_dict)
        if pkg_dict["id"] == broken["id"]:
            pkg_dict["notes"] = "摘要\x00"
        return pkg_dict
    monkeypatch.setattr(DatongPlugin, "before_dataset_index", before_dataset_index)


def _break_its_rows(monkeypatch, broken: dict[str, Any]) -> None:
    """One entry's resource row holds extras that are not JSON: reading it raises."""
    model.Session.execute(sa.text("UPDATE resource SET extras = '{not json' WHERE package_id = :id"),
                          {"id": broken["id"]})
    model.Session.commit()


@pytest.mark.parametrize("breaking", [_break_in_a_hook, _break_its_document, _break_its_rows])
@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_an_entry_failing_in_its_batch_fails_alone_and_is_listed(cli, monkeypatch, breaking):
    org = factories.Organization()
    entries = [factories.Dataset(name=f"line-{number:02d}", title=f"第{number}号公交线路",
                                 owner_org=org["id"],
                                 resources=[{"url": f"http://example.com/{number}.csv"}])
               for number in range(6)]
    broken = entries[2]
    model.Session.execute(sa.text("TRUNCATE datong_search_doc, datong_search_term"))
    model.Session.commit()
    breaking(monkeypatch, broken)

    result = cli.invoke(ckan_command, ["datong", "search", "rebuild", "--workers", "1",
                                       "--batch-size", "50"])

    assert result.exit_code == 1
    assert "search index rebuilt: 5 datasets" in result.output
    assert "1 failed" in result.output
    assert f"索引失败的条目（1 个）：\n{broken['id']}\n" in result.output
    assert names(search(q="公交", rows=100)) == {e["name"] for e in entries} - {broken["name"]}
