"""What every Datong harvester shares (harvesters/base.py), driven through datong_json with
department feeds of the Hangzhou catalog: validation per entry, stable identity, skipping
unchanged entries, withdrawing vanished ones, code conflicts and protection from hand edits."""
from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import helpers

from ckanext.datong.harvesters import base
from tests.hangzhou import convert
from tests.harvest.conftest import (
    HANGZHOU_CONFIG, VOCABULARIES, create_source, department_feed, harvested, json_bytes, run_job,
)

pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))


def _source(world, feeds, path: str, records: list[dict[str, Any]], **config: Any) -> dict[str, Any]:
    url = feeds.serve(path, json_bytes(records))
    return create_source(world.editor, world.org, url, "datong_json", {**HANGZHOU_CONFIG, **config})


def _by_url(source: dict[str, Any], include_private: bool = True) -> dict[str, dict[str, Any]]:
    return {d["resources"][0]["url"]: d for d in harvested(source, include_private)}


def test_a_second_run_imports_nothing(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 5, 8)
    source = _source(world, feeds, "/base/same.json", records)
    assert run_job(source).stats == {"added": len(records)}
    before = {url: d["metadata_modified"] for url, d in _by_url(source).items()}
    again = run_job(source)
    assert again.stats == {"not modified": len(records)}
    assert again.gather_errors == [] and again.errors() == []
    assert {url: d["metadata_modified"] for url, d in _by_url(source).items()} == before


@pytest.mark.parametrize("on_removed", ["withdraw", "delete", "keep"])
def test_edited_and_removed_entries_follow_the_source(world, feeds, hangzhou, on_removed) -> None:
    records = department_feed(hangzhou, 5, 8, skip=1)
    path = f"/base/changing-{on_removed}.json"
    source = _source(world, feeds, path, records, on_removed=on_removed)
    run_job(source)
    first = _by_url(source)
    edited, removed = copy.deepcopy(records[0]), records[1]
    edited["摘要"] = "源系统中修改后的摘要"
    feeds.serve(path, json_bytes([edited] + records[2:]))
    run = run_job(source)
    expected = {"updated": 1, "not modified": len(records) - 2}
    if on_removed != "keep":
        expected["deleted"] = 1
    assert run.stats == expected
    after = _by_url(source)
    assert after[edited["详情页网址"]]["notes"] == "源系统中修改后的摘要"
    assert after[edited["详情页网址"]]["id"] == first[edited["详情页网址"]]["id"]  # same dataset
    gone_id = first[removed["详情页网址"]]["id"]
    stored = model.Package.get(gone_id)
    if on_removed == "delete":
        assert stored.state == "deleted"
    elif on_removed == "withdraw":
        assert stored.state == "active" and stored.private  # kept for its department, out of the public catalog
        assert base.origin(gone_id)["withdrawn"] is True
        public = helpers.call_action("package_search", context={"ignore_auth": False, "user": ""},
                                     q="*:*", rows=1000)["results"]
        assert gone_id not in {d["id"] for d in public}
        # back at the source: published again, the same dataset
        feeds.serve(path, json_bytes([edited] + records[1:]))
        back = run_job(source)
        assert back.stats == {"updated": 1, "not modified": len(records) - 1}
        assert not model.Package.get(gone_id).private
        assert base.origin(gone_id)["withdrawn"] is False
    else:
        assert stored.state == "active" and not stored.private
    assert run_job(source).stats.get("deleted") is None  # nothing is withdrawn twice


def test_an_invalid_entry_is_an_object_error_and_the_job_goes_on(world, feeds, hangzhou) -> None:
    records = copy.deepcopy(department_feed(hangzhou, 4, 6, skip=2))
    records[0]["开放等级"] = "内部开放"  # a value no map knows, without "else": an entry error naming it
    records[1]["资源名称"] = ""
    source = _source(world, feeds, "/base/invalid.json", records)
    run = run_job(source)
    assert run.stats == {"errored": 2, "added": len(records) - 2}
    messages = dict(run.errors())
    assert "开放属性" in messages[records[0]["详情页网址"]] and "内部开放" in messages[records[0]["详情页网址"]]
    assert "信息资源名称" in messages[records[1]["详情页网址"]]
    assert run.job.status == "Finished"
    # fixed at the source: imported by the next run
    records[0]["开放等级"] = "完全开放"
    records[1]["资源名称"] = "补全的资源名称"
    feeds.serve("/base/invalid.json", json_bytes(records))
    assert run_job(source).stats == {"added": 2, "not modified": len(records) - 2}


def test_a_guid_twice_in_a_feed_is_one_entry_and_a_reported_duplicate(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 3, 5, skip=3)
    source = _source(world, feeds, "/base/duplicates.json", records + [records[0]])
    run = run_job(source)
    assert run.stats == {"added": len(records), "errored": 1}
    [(guid, message)] = run.errors()
    assert guid == records[0]["详情页网址"] and "重复" in message
    assert len(harvested(source)) == len(records)


def test_identity_without_ids_is_the_hash_of_provider_and_title(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 3, 5, skip=4)
    config = {key: value for key, value in HANGZHOU_CONFIG.items() if key != "guid"}
    url = feeds.serve("/base/no-ids.json", json_bytes(records))
    source = create_source(world.editor, world.org, url, "datong_json", config)
    run = run_job(source)
    expected = {base.stable_guid(None, None, r["发布部门"], r["资源名称"]) for r in records}
    assert {obj.guid for obj in run.objects} == expected


def test_a_resource_code_claimed_by_two_sources_is_an_error(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 2, 3, skip=5)
    config = {**HANGZHOU_CONFIG, "fields": {**HANGZHOU_CONFIG["fields"],
                                            "resource_code": {"value": "301001/33010899900001"}}}
    first = create_source(world.editor, world.org, feeds.serve("/base/code-a.json", json_bytes(records[:1])),
                          "datong_json", config)
    made = run_job(first)
    assert made.errors() == [] and made.stats == {"added": 1}
    second = create_source(world.other_editor, world.other_org,
                           feeds.serve("/base/code-b.json", json_bytes(records[1:2])), "datong_json", config)
    run = run_job(second)
    assert run.stats == {"errored": 1}
    [(_, message)] = run.errors()
    assert "301001/33010899900001" in message and first["title"] in message
    [kept] = harvested(first)
    assert kept["owner_org"] == world.org["id"] and kept["title"] == records[0]["资源名称"]
    assert run_job(first).stats == {"not modified": 1}  # its own code is no conflict


def test_hand_edits_of_harvested_entries_are_refused_unless_allowed(world, feeds, hangzhou) -> None:
    records = department_feed(hangzhou, 2, 3, skip=6)
    protected = _source(world, feeds, "/base/protected.json", records[:1])
    open_source = _source(world, feeds, "/base/editable.json", records[1:2], allow_manual_edits=True)
    run_job(protected)
    run_job(open_source)
    [locked] = harvested(protected)
    [editable] = harvested(open_source)
    editor = {"user": world.editor["name"], "ignore_auth": False}
    for action in ("package_patch", "package_update"):
        with pytest.raises(tk.NotAuthorized, match="自动采集"):
            helpers.call_action(action, context=dict(editor), **{**locked, "notes": "手工修改"})
    helpers.call_action("package_patch", context=dict(editor), id=editable["id"], notes="手工修改")
    assert helpers.call_action("package_show", id=editable["id"])["notes"] == "手工修改"
    # a hand-made entry of the same department stays editable
    own = helpers.call_action("package_create", context=dict(editor), **{
        **{k: v for k, v in locked.items() if k in ("resource_class", "industry_domain", "catalog_format",
                                                    "share_type", "open_type", "update_frequency",
                                                    "spatial_scope", "data_grade", "notes")},
        "title": "手工编目的信息资源", "owner_org": world.org["id"], "open_condition": locked.get("open_condition"),
        "share_method": locked["share_method"], "modality": locked["modality"]})
    helpers.call_action("package_patch", context=dict(editor), id=own["id"], notes="改过")


def test_sources_are_registered_by_department_editors_only(world, feeds) -> None:
    url = feeds.serve("/base/any.json", json_bytes([]))
    with pytest.raises(tk.NotAuthorized):
        create_source(world.other_editor, world.org, url, "datong_json", HANGZHOU_CONFIG)
    with pytest.raises(tk.ValidationError, match="on_removed"):
        create_source(world.editor, world.org, url, "datong_json", {**HANGZHOU_CONFIG, "on_removed": "forget"})


def test_the_entry_page_shows_its_origin_in_beijing_time(world, feeds, hangzhou, app) -> None:
    records = department_feed(hangzhou, 1, 1)
    source = _source(world, feeds, "/base/origin.json", records)
    run_job(source)
    [entry] = harvested(source)
    page = app.get(tk.url_for("dataset.read", id=entry["name"]), environ_overrides={"REMOTE_USER": ""})
    row = page.body[page.body.index('data-field="harvest_source"'):]
    row = row[:row.index("</tr>")]
    harvested_at = base.origin(entry["id"])["harvested"]  # stored in UTC
    beijing = datetime.datetime.fromisoformat(harvested_at) + datetime.timedelta(hours=8)
    assert f"（最近采集 {beijing.year}年{beijing.month}月{beijing.day}日 {beijing:%H:%M}）" in row
