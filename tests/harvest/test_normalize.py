"""Mapping fallbacks and normalizations (mapping.py "else", base.normalize "truncate"), their
counts in the job report and the note on the entry page; the upper bounds of the download
settings; the preview, which writes nothing."""
from __future__ import annotations

import copy
import json

import pytest
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.cli.cli import ckan as ckan_command
from ckan.tests import helpers
from ckanext.activity.model import Activity
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError, HarvestObjectExtra, HarvestSource

from ckanext.datong.harvesters import base, mapping, report
from tests import worlds
from tests.hangzhou import convert
from tests.harvest.conftest import (
    HANGZHOU_CONFIG, HANGZHOU_FIELDS, VOCABULARIES, create_source, department_feed, harvested, json_bytes, run_job,
)

pytestmark = pytest.mark.ckan_config(convert.VOCABULARY_OPTION, str(VOCABULARIES))
LONG_TITLE = "杭州市" + "公共数据开放目录" * 8  # 67 characters, the limit is 50


# --------------------------------------------------------------------------- map "else"


def test_a_value_no_map_knows_is_an_error_naming_value_and_map() -> None:
    notes = mapping.Notes(labels={"catalog_format": "格式"})
    spec = {"path": "格式", "map": {"xlsx": "电子表格", "api": "服务接口"}}
    assert mapping.value({"格式": "docx"}, spec, notes=notes, field="catalog_format") is None
    assert notes.problems == ["字段「格式」（catalog_format）的源值“docx”不在映射表（map：xlsx、api）中："
                              "请在 map 中加入该值，或用 else 指定其他值的去向"]


@pytest.mark.parametrize("otherwise, expected, changes", [
    ("电子文件", "电子文件", [("else", "f")]),
    (None, "其他", [("else", "f")]),  # no value: the default applies
    ({"keep": True}, "docx", []),
])
def test_else_replaces_drops_or_keeps(otherwise, expected, changes) -> None:
    notes = mapping.Notes()
    spec = {"path": "格式", "map": {"xlsx": "电子表格"}, "else": otherwise, "default": "其他"}
    assert mapping.value({"格式": " docx "}, spec, notes=notes, field="f") == expected
    assert notes.changes == [("trim", "f"), *changes] and notes.problems == []


def test_else_needs_a_map_and_a_value() -> None:
    for spec in ({"path": "a", "else": "x"}, {"path": "a", "map": {}, "else": {"drop": True}}):
        with pytest.raises(ValueError, match="else"):
            mapping.check({"title": spec})


# --------------------------------------------------------------------------- truncate


def test_truncate_shortens_every_limited_field_of_every_harvester(world) -> None:
    limits = base.length_limits()
    assert {"title": 50, "notes": 256, "share_condition": 500, "open_condition": 500, "region_item": 50,
            "data_volume": 50, "items.item_name": 50}.items() <= limits.items()
    entry = base.RemoteEntry("g", {"title": LONG_TITLE, "notes": "摘" * 300, "data_volume": " 12 ",
                                   "items": [{"item_name": "项" * 60}]})
    base.normalize(entry, True)
    assert entry.data["title"] == LONG_TITLE[:49] + "…" and len(entry.data["notes"]) == 256
    assert entry.data["items"][0]["item_name"] == "项" * 49 + "…" and entry.data["data_volume"] == "12"
    assert sorted(entry.notes.changes) == [("trim", "data_volume"), ("truncate", "items.item_name"),
                                           ("truncate", "notes"), ("truncate", "title")]
    named = base.RemoteEntry("g", {"title": LONG_TITLE, "notes": "摘" * 300})
    base.normalize(named, ["notes"])
    assert named.data["title"] == LONG_TITLE and len(named.data["notes"]) == 256
    with pytest.raises(ValueError, match="truncate"):
        base.validate_common({"truncate": ["resource_class"]})  # no length limit
    assert "truncate" in base.COMMON_KEYS  # every harvester accepts it


def test_the_job_report_counts_every_change_and_the_entry_notes_truncation(world, feeds, hangzhou, app) -> None:
    records = copy.deepcopy(department_feed(hangzhou, 4, 6, skip=5))
    records[0]["资源名称"] = LONG_TITLE
    records[1]["资源名称"] = "  " + records[1]["资源名称"] + " "
    records[2]["更新周期"] = "双周"  # unknown to the map: with else, 其他
    known = {key: value for key, value in convert.FREQUENCIES.items() if key}
    fields = {**HANGZHOU_FIELDS, "update_frequency": {"path": "更新周期", "map": known, "else": "其他"}}
    url = feeds.serve("/normalize/feed.json", json_bytes(records))
    source = create_source(world.editor, world.org, url, "datong_json",
                           {**HANGZHOU_CONFIG, "fields": fields, "truncate": ["title"]})
    run = run_job(source)
    assert run.errors() == [] and run.stats == {"added": len(records)}
    changes = {(row["kind"], row["field"]): row["count"] for row in report.job_report(run.job.id)["changes"]}
    mapped_open = sum(1 for record in records if record["开放等级"] in ("登录开放", "申请开放", "完全开放"))
    assert changes[("truncate", "title")] == 1 and changes[("trim", "title")] == 1
    assert changes[("else", "update_frequency")] == 1
    assert changes[("map", "open_type")] == mapped_open  # every 开放等级 maps to another word
    stored = {d["resources"][0]["url"]: d for d in harvested(source)}
    long_one = stored[records[0]["详情页网址"]]
    assert long_one["title"] == LONG_TITLE[:49] + "…"
    assert stored[records[2]["详情页网址"]]["update_frequency"] == "其他"
    assert base.origin(long_one["id"])["truncated"] == ["信息资源名称（50 字）"]
    page = app.get(f"/dataset/{long_one['name']}", extra_environ={"REMOTE_USER": world.editor["name"]})
    assert "信息资源名称（50 字）" in page.body and 'data-field="harvest_truncated"' in page.body
    job_page = app.get(f"/harvest/{source['name']}/job/{run.job.id}",
                       extra_environ={"REMOTE_USER": world.editor["name"]})
    assert "超长截断" in job_page.body and "映射表外的值按 else 处理" in job_page.body
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datong_harvest_job_report", context={"user": world.other_editor["name"],
                                                                  "ignore_auth": False}, id=run.job.id)


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("key, value", [("retries", 6), ("retries", 1.5), ("backoff", 10.5), ("timeout", 61),
                                        ("timeout", 3600), ("backoff", -1)])
def test_download_settings_have_upper_bounds(world, feeds, key, value) -> None:
    url = feeds.serve("/normalize/bounds.json", b"[]")
    with pytest.raises(tk.ValidationError) as error:
        create_source(world.editor, world.org, url, "datong_json", {**HANGZHOU_CONFIG, key: value})
    message = json.dumps(error.value.error_dict, ensure_ascii=False)
    assert key in message and ("之间" in message or "整数" in message)


def test_the_bounds_themselves_are_accepted(world) -> None:
    base.validate_common({"retries": 5, "backoff": 10, "timeout": 60})
    worst = 6 * 60 + 10 * (2**5 - 1)
    assert worst == 670  # seconds one document may hold the gather consumer, as documented


# --------------------------------------------------------------------------- preview


def _counts() -> dict[str, int]:
    return {table.__name__: model.Session.query(table).count()
            for table in (model.Package, model.Resource, model.PackageExtra, model.Group, HarvestSource,
                          HarvestJob, HarvestObject, HarvestObjectExtra, HarvestObjectError, Activity)}


def test_the_preview_maps_validates_and_writes_nothing(world, feeds, hangzhou, app, cli) -> None:
    records = copy.deepcopy(department_feed(hangzhou, 6, 9, skip=7))
    records[1]["开放等级"] = "内部开放"
    records[2]["资源名称"] = ""
    url = feeds.serve("/normalize/preview.json", json_bytes(records))
    config = json.dumps(HANGZHOU_CONFIG, ensure_ascii=False)
    before = _counts()
    result = helpers.call_action("datong_harvest_preview", context={"user": world.editor["name"], "ignore_auth": False},
                                 source_type="datong_json", url=url, config=config, owner_org=world.org["id"], limit=5)
    assert result["error"] is None and len(result["entries"]) == 5
    assert "“内部开放”不在映射表" in result["entries"][1]["errors"][0]
    assert "信息资源名称" in result["entries"][2]["errors"][0]
    assert [entry["errors"] for entry in result["entries"][3:]] == [[], []]
    assert result["entries"][0]["owner"] == world.org["title"]
    assert result["entries"][0]["data"]["open_type"] in ("无条件开放", "有条件开放")
    # the form's 预览 button posts here; the command line does the same
    page = app.post("/harvest/preview", headers={"Authorization": worlds.token(world.editor)},
                    data={"source_type": "datong_json", "url": url, "config": config, "owner_org": world.org["id"]})
    assert page.status_code == 200 and "“内部开放”不在映射表" in page.body and "未保存任何内容" in page.body
    result = cli.invoke(ckan_command, ["datong", "harvest", "preview", config, url, "--limit", "3",
                                       "--org", world.org["name"]])
    assert result.exit_code == 0, result.output
    assert "共 3 条，1 条可导入，2 条有错误；未写入任何内容。" in result.output
    model.Session.remove()
    assert _counts() == before
    # a broken config or source is reported in Chinese, and still nothing is written
    bad = helpers.call_action("datong_harvest_preview", context={"user": world.editor["name"], "ignore_auth": False},
                              source_type="datong_json", url=url, config=json.dumps({"retries": 9}))
    assert "retries" in bad["error"] and bad["entries"] == []
    missing = helpers.call_action("datong_harvest_preview", context={"user": world.editor["name"], "ignore_auth": False},
                                  source_type="datong_json", url=feeds.url("/normalize/none.json"),
                                  config=json.dumps({**HANGZHOU_CONFIG, "retries": 0}))
    assert "404" in missing["error"]
    assert _counts() == before


def test_the_preview_is_for_those_who_may_register_sources(world, feeds) -> None:
    from tests import factories

    citizen = factories.User()
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datong_harvest_preview", context={"user": citizen["name"], "ignore_auth": False},
                            source_type="datong_json", url=feeds.url("/x.json"), config="{}")


def test_the_source_form_has_help_a_reference_link_and_a_preview_button(world, app) -> None:
    page = app.get("/harvest/new", extra_environ={"REMOTE_USER": world.editor["name"]}).body
    assert 'formaction="/harvest/preview"' in page and "/harvest/help" in page and "配置说明" in page
    help_page = app.get("/harvest/help").body
    for name in ("datong_json", "datong_table", "datong_ckan", "datong_dcat", "routing", "truncate", "else",
                 "信息资源名称", "核心"):
        assert name in help_page
