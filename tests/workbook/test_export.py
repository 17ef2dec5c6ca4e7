"""Exporting the catalog workbook: the 1272 layout from the schema's labels, who may export
what, and an export → import round trip that preserves every field."""
from __future__ import annotations

import base64
from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.datong.workbook import layout
from tests import factories, worlds
from tests.workbook import workbooks as wb

CATALOG_HEADINGS = [
    "信息资源名称", "信息资源代码", "信息资源分类", "资源属性", "提供方", "提供方代码", "摘要", "主题", "行业领域",
    "格式", "共享类型", "共享条件", "共享方式", "开放属性", "开放条件", "更新周期", "发布日期", "关联资源代码",
    "空间范围", "属地字段", "数据模态", "数据量", "数据分级", "关键词", "许可协议", "网址名称",
]
ITEM_HEADINGS = ["信息资源代码", "信息资源名称", "名称", "数据类型", "长度", "共享属性", "开放属性", "含个人信息", "敏感", "分级"]


def export_as(user: dict[str, Any], **data: Any) -> dict[str, Any]:
    return helpers.call_action("datong_catalog_export", context={"user": user["name"], "ignore_auth": False}, **data)


def sheets(result: dict[str, Any]) -> dict[str, list[tuple]]:
    book = wb.load(base64.b64decode(result["content"]))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def create(org: dict[str, Any], **fields: Any) -> dict[str, Any]:
    site_user = helpers.call_action("get_site_user")["name"]
    return helpers.call_action("package_create", context={"user": site_user},
                               **factories.entry(owner_org=org["id"], **fields))


def everything(org: dict[str, Any], title: str, **fields: Any) -> dict[str, Any]:
    """An entry with every catalog field and every item field filled."""
    values = dict(
        title=title, notes="每个字段都有值的信息资源。", resource_class="20100301",
        theme=["公共服务", "社会保障"], industry_domain="交通", catalog_format="数据库",
        share_type="有条件共享", share_condition="仅限交通管理用途", share_method=["接口", "库表"],
        open_type="有条件开放", open_condition="签订数据利用协议", update_frequency="每日",
        publish_date="2024-12-31", related_codes=["101001/14020001300001", "201003/14020001300002"],
        spatial_scope="140213", region_item="线路编号", modality=["表格", "接口"],
        data_volume="12万条", data_grade="一般-3", tag_string="公交,线路,实时", license_id="datong-use",
        items=[{"item_name": "线路编号", "data_type": "C", "length": "20", "item_share_type": "有条件共享",
                "item_open_type": "不予开放", "personal_info": "false", "sensitive": "true", "item_grade": "一般-3"},
               {"item_name": "乘客人数", "data_type": "I", "length": "8", "item_share_type": "不予共享",
                "item_open_type": "不予开放", "personal_info": "true", "sensitive": "false", "item_grade": "一般-2"}])
    return create(org, **{**values, **fields})


def test_headings_are_the_schema_labels(site):
    current = layout.layout()
    assert [c.heading for c in current.catalog] == CATALOG_HEADINGS
    assert [c.heading for c in current.items] == ITEM_HEADINGS
    assert current.required_catalog_headings() == [
        "信息资源名称", "信息资源代码", "信息资源分类", "摘要", "行业领域", "格式", "共享类型", "开放属性", "更新周期",
        "空间范围", "数据分级"]
    assert current.required_item_headings() == ["信息资源代码", "名称", "数据类型"]


def test_department_workbook(site):
    org = worlds.department("大同市导出测试局", editor=site.transport_editor)
    full = everything(org, "导出：每个字段")
    plain = create(org, title="导出：最少字段")
    create(site.culture, title="别的部门")
    result = export_as(site.transport_editor, owner_org=org["name"])
    assert (result["entries"], result["items"]) == (2, 2)
    assert result["filename"].startswith("大同市导出测试局信息资源目录-") and result["filename"].endswith(".xlsx")
    found = sheets(result)
    assert list(found) == ["目录", "信息项", "填写说明"]
    assert found["目录"][0] == tuple(CATALOG_HEADINGS)
    rows = {row[0]: dict(zip(CATALOG_HEADINGS, row)) for row in found["目录"][1:]}
    assert set(rows) == {"导出：每个字段", "导出：最少字段"}
    assert rows["导出：每个字段"] == {
        "信息资源名称": "导出：每个字段", "信息资源代码": full["resource_code"], "信息资源分类": "20100301",
        "资源属性": "主题", "提供方": "大同市导出测试局", "提供方代码": org["uscc"], "摘要": "每个字段都有值的信息资源。",
        "主题": "公共服务、社会保障", "行业领域": "交通", "格式": "数据库", "共享类型": "有条件共享",
        "共享条件": "仅限交通管理用途", "共享方式": "接口、库表", "开放属性": "有条件开放", "开放条件": "签订数据利用协议",
        "更新周期": "每日", "发布日期": "2024-12-31", "关联资源代码": "101001/14020001300001、201003/14020001300002",
        "空间范围": "140213", "属地字段": "线路编号", "数据模态": "表格、接口", "数据量": "12万条", "数据分级": "一般-3", "关键词": "公交、实时、线路",
        "许可协议": "datong-use", "网址名称": full["name"],
    }
    assert rows["导出：最少字段"]["信息资源代码"] == plain["resource_code"]
    assert rows["导出：最少字段"]["主题"] is None
    assert found["信息项"][0] == tuple(ITEM_HEADINGS)
    assert found["信息项"][1:] == [
        (full["resource_code"], "导出：每个字段", "线路编号", "C", 20, "有条件共享", "不予开放", "否", "是", "一般-3"),
        (full["resource_code"], "导出：每个字段", "乘客人数", "I", 8, "不予共享", "不予开放", "是", "否", "一般-2"),
    ]
    guide = {(row[0], row[1]): row[3] for row in found["填写说明"][1:]}
    assert "可选：C（字符型）" in guide[("信息项", "数据类型")]
    assert guide[("目录", "资源属性")].startswith("由系统生成，导入时忽略")


@pytest.mark.parametrize("who, owner, allowed", [
    ("transport_editor", "transport", True),
    ("transport_editor", "culture", False),
    ("transport_editor", None, False),
    ("county_member", "county", False),
    ("citizen", "transport", False),
    ("analyst", "culture", True),
    ("analyst", None, True),
    ("sysadmin", None, True),
])
def test_who_may_export(site, who, owner, allowed):
    data = {"owner_org": getattr(site, owner)["id"]} if owner else {}
    if allowed:
        assert export_as(getattr(site, who), **data)["content"]
    else:
        with pytest.raises(tk.NotAuthorized):
            export_as(getattr(site, who), **data)


def test_unknown_organization(site):
    with pytest.raises(tk.ValidationError) as raised:
        export_as(site.sysadmin, owner_org="no-such-org")
    assert raised.value.error_dict == {"owner_org": ["找不到组织“no-such-org”"]}


def test_city_workbook_has_every_department(site):
    create(site.transport, title="全市：交通")
    create(site.culture, title="全市：文旅")
    titles = {row[0] for row in sheets(export_as(site.analyst))["目录"][1:]}
    assert {"全市：交通", "全市：文旅"} <= titles


def _comparable(entry: dict[str, Any], *also_ignored: str) -> dict[str, Any]:
    ignored = {"metadata_modified", "metadata_created", "organization", *also_ignored}
    result = {k: v for k, v in entry.items() if k not in ignored}
    result["tags"] = sorted(t["name"] for t in entry.get("tags", []))
    return result


def test_round_trip_preserves_every_field(site):
    org = worlds.department("大同市往返测试局", editor=site.transport_editor)
    entries = [everything(org, "往返：每个字段"),
               everything(org, "往返：不予共享", share_type="不予共享", share_condition="《某条例》第十条",
                          open_type="不予开放", open_condition="", data_grade="重要", theme=[], modality=[],
                          region_item="证件号码",
                          items=[{"item_name": "证件号码", "data_type": "C", "length": "18", "item_share_type": "不予共享",
                                  "personal_info": "true", "sensitive": "true", "item_grade": "重要"}])]
    before = [helpers.call_action("package_show", id=e["id"]) for e in entries]
    content = base64.b64decode(export_as(site.transport_editor, owner_org=org["id"])["content"])

    report = wb.import_as(site.transport_editor, content)["report"]
    assert (report["updated"], report["created"], report["failed"]) == (2, 0, 0), report["problems"]
    after = [helpers.call_action("package_show", id=e["id"]) for e in entries]
    assert [_comparable(a) for a in after] == [_comparable(b) for b in before]

    for entry in entries:  # gone for good, then back from the workbook
        helpers.call_action("dataset_purge", id=entry["id"])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert (report["updated"], report["created"], report["failed"]) == (0, 2, 0), report["problems"]
    recreated = [helpers.call_action("package_show", id=e["name"]) for e in report["entries"]]
    new = ("id", "creator_user_id")  # a new dataset, created by the importing editor
    assert [_comparable(r, *new) for r in recreated] == [_comparable(b, *new) for b in before]


def test_export_through_the_http_api(web, site):
    response = web.get(f"/api/3/action/datong_catalog_export?owner_org={site.transport['name']}",
                       headers={"Authorization": site.transport_editor["token"]})
    result = response.json["result"]
    assert result["filename"].endswith(".xlsx")
    assert sheets(result)["目录"][0] == tuple(CATALOG_HEADINGS)
    refused = web.get(f"/api/3/action/datong_catalog_export?owner_org={site.culture['name']}", status=403,
                      headers={"Authorization": site.transport_editor["token"]})
    assert refused.json["error"]["message"].endswith("只有本部门的编辑或管理员可以导出本部门的目录；全市目录由数据主管部门导出")
