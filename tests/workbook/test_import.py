"""Importing catalog workbooks: entries created and updated through the schema's validators,
atomic per entry, problems reported at their sheet, row and column."""
from __future__ import annotations

import datetime
import io
import re
import urllib.parse
import zipfile
from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import helpers
from werkzeug.datastructures import FileStorage

from tests import factories
from tests.workbook import workbooks as wb

TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()


def show(name_or_id: str) -> dict[str, Any]:
    return helpers.call_action("package_show", id=name_or_id)


def create(org: dict[str, Any], **fields: Any) -> dict[str, Any]:
    site_user = helpers.call_action("get_site_user")["name"]
    return helpers.call_action("package_create", context={"user": site_user},
                               **factories.entry(owner_org=org["id"], **fields))


def titled(title: str) -> list[model.Package]:
    return model.Session.query(model.Package).filter(model.Package.title == title).all()


def by_row(report: dict[str, Any]) -> dict[tuple[str, int], list[tuple[str, str]]]:
    found: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for problem in report["problems"]:
        found.setdefault((problem["sheet"], problem["row"]), []).append((problem["column"], problem["message"]))
    return found


def test_new_entries_with_their_items(site):
    content = wb.build(
        [wb.entry(site.transport, 信息资源名称="新建公交线路", 主题="公共服务、健康保障", 共享方式="接口、文件",
                  数据模态="表格", 关键词="公交、线路", 空间范围="平城区", 发布日期=datetime.datetime(2025, 3, 1),
                  许可协议="知识共享署名 4.0 国际许可协议（CC BY 4.0）"),
         wb.entry(site.transport, 信息资源名称="新建公交站点", 信息资源分类="101001")],
        [wb.item("新建公交线路", 名称="线路编号", 数据类型="字符型", 长度=12, 含个人信息="是", 分级="一般-1"),
         wb.item("新建公交线路", 名称="线路名称", 敏感="否"),
         wb.item("新建公交站点", 名称="站点坐标", 数据类型="N")])
    result = wb.import_as(site.transport_editor, content)
    report = result["report"]
    assert result["status"] == "finished"
    assert (report["total"], report["created"], report["updated"], report["failed"]) == (2, 2, 0, 0)
    assert report["summary"] == "共2条信息资源：新建2条，更新0条，失败0条"
    assert report["problems"] == []
    lines, stops = (show(entry["name"]) for entry in report["entries"])
    assert lines["owner_org"] == site.transport["id"]
    assert lines["resource_code"].startswith("201003/14020001300")  # generated: class, provider, sequence
    assert [e["resource_code"] for e in report["entries"]] == [lines["resource_code"], stops["resource_code"]]
    assert lines["theme"] == ["公共服务", "健康保障"]
    assert lines["share_method"] == ["接口", "文件"]
    assert lines["spatial_scope"] == "140213"  # the label 平城区 became its GB/T 2260 code
    assert lines["publish_date"] == "2025-03-01"  # a date cell
    assert lines["license_id"] == "cc-by"  # the licence's title became its id
    assert sorted(t["name"] for t in lines["tags"]) == ["公交", "线路"]
    assert lines["items"] == [
        {"item_name": "线路编号", "data_type": "C", "length": "12", "item_share_type": "", "item_open_type": "",
         "personal_info": "true", "sensitive": "false", "item_grade": "一般-1"},
        {"item_name": "线路名称", "data_type": "C", "length": "", "item_share_type": "", "item_open_type": "",
         "personal_info": "false", "sensitive": "false", "item_grade": ""},
    ]
    assert stops["resource_attribute"] == "基础"
    assert [i["item_name"] for i in stops["items"]] == ["站点坐标"]


def test_provider_by_credit_code(site):
    content = wb.build([
        wb.entry(site.transport, 信息资源名称="按代码找提供方", 提供方="", 提供方代码=site.culture["uscc"]),
        wb.entry(site.transport, 信息资源名称="代码与名称不一致", 提供方代码=site.culture["uscc"]),
        wb.entry(site.transport, 信息资源名称="代码不存在", 提供方="", 提供方代码="91140200MA0000000X"),
        wb.entry(site.transport, 信息资源名称="名称不存在", 提供方="大同市不存在局"),
        wb.entry(site.transport, 信息资源名称="没有提供方", 提供方=""),
    ])
    report = wb.import_as(site.sysadmin, content)["report"]
    assert (report["created"], report["failed"]) == (1, 4)
    assert show(report["entries"][0]["name"])["owner_org"] == site.culture["id"]
    assert by_row(report) == {
        ("目录", 3): [("提供方", f"「提供方」“大同市交通运输局”与「提供方代码」“{site.culture['uscc']}”（属于“大同市文化和旅游局”）不一致")],
        ("目录", 4): [("提供方代码", "「提供方代码」“91140200MA0000000X”不是平台上任何组织的统一社会信用代码（第9-17位组织机构代码的校验码不正确）")],
        ("目录", 5): [("提供方", "「提供方」“大同市不存在局”不是平台上的组织名称")],
        ("目录", 6): [("提供方", "「提供方」为必填项：请填写提供方名称或提供方代码")],
    }


def test_update_by_code_keeps_what_the_sheet_does_not_name(site):
    stored = create(site.transport, title="待更新的信息资源", data_volume="12万条", theme=["公共服务"],
                    items=[{"item_name": "甲", "data_type": "C", "item_grade": "一般-1", "sensitive": "true"},
                           {"item_name": "乙", "data_type": "N"}])
    catalog_headings, item_headings = wb.headings()
    content = wb.build(
        [wb.entry(site.transport, 信息资源名称="已更新的信息资源", 信息资源代码=stored["resource_code"], 摘要="新的摘要。",
                  主题="")],
        [{"信息资源代码": stored["resource_code"], "名称": "甲", "数据类型": "D"},
         {"信息资源代码": stored["resource_code"], "名称": "丙", "数据类型": "C"}],
        catalog_headings=[h for h in catalog_headings if h != "数据量"],
        item_headings=[h for h in item_headings if h not in ("分级", "敏感")])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert (report["created"], report["updated"], report["failed"]) == (0, 1, 0), report["problems"]
    after = show(stored["id"])
    assert (after["title"], after["notes"], after["name"]) == ("已更新的信息资源", "新的摘要。", stored["name"])
    assert after["theme"] == []  # an empty cell clears
    assert after["data_volume"] == "12万条"  # an absent column keeps
    assert [(i["item_name"], i["data_type"], i["item_grade"], i["sensitive"]) for i in after["items"]] == [
        ("甲", "D", "一般-1", "true"),  # absent columns keep the stored item's values
        ("丙", "C", "", "false"),
    ]


def test_each_entry_is_atomic(site):
    before = wb.stored()
    content = wb.build(
        [wb.entry(site.transport, 信息资源名称="原子性：好"),
         wb.entry(site.transport, 信息资源名称="原子性：目录错", 行业领域="体育"),
         wb.entry(site.transport, 信息资源名称="原子性：信息项错")],
        [wb.item("原子性：好", 名称="字段一"),
         wb.item("原子性：目录错", 名称="字段二"),
         wb.item("原子性：信息项错", 名称="字段三"),
         wb.item("原子性：信息项错", 名称="字段四", 数据类型="Q")])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert [e["result"] for e in report["entries"]] == ["created", "failed", "failed"]
    assert by_row(report) == {
        ("目录", 3): [("行业领域", "「行业领域」的取值“体育”无效，可选：文旅、能源、教育、医疗、医保、交通、城管、应急、农业、气象、政务")],
        ("信息项", 5): [("数据类型", "「数据类型」的取值“Q”无效，可选：C、N、Y、D、T、L、M、G、B、I、F")],
    }
    assert titled("原子性：目录错") == [] and titled("原子性：信息项错") == []
    assert len(titled("原子性：好")) == 1
    assert len(wb.stored()) > len(before)


WRONG = [
    # (目录 cells, 信息项 cells or None, (sheet, column), message fragment from the validators)
    ({"信息资源名称": "长" * 51}, None, ("目录", "信息资源名称"), "「信息资源名称」不能超过50个字符（现为51个）"),
    ({"信息资源分类": "401003"}, None, ("目录", "信息资源分类"), "「信息资源分类」应为1位类（1至3）+2位项+3位目"),
    ({"信息资源代码": "2010-03"}, None, ("目录", "信息资源代码"), "「信息资源代码」“2010-03”格式不正确"),
    ({"信息资源代码": "101001/14020001399999"}, None, ("目录", "信息资源代码"), "前段码“101001”与信息资源分类“201003”不一致"),
    ({"摘要": "字" * 257}, None, ("目录", "摘要"), "「摘要」不能超过256个字符（现为257个）"),
    ({"主题": "公共服务、体育"}, None, ("目录", "主题"), "「主题」的取值“体育”无效"),
    ({"行业领域": ""}, None, ("目录", "行业领域"), "「行业领域」为必填项"),
    ({"格式": "CSV"}, None, ("目录", "格式"), "「格式」的取值“CSV”无效"),
    ({"共享类型": "有条件共享", "开放属性": "不予开放"}, None, ("目录", "共享条件"), "共享类型为有条件共享时，「共享条件」必须填写"),
    ({"共享方式": "邮寄"}, None, ("目录", "共享方式"), "「共享方式」的取值“邮寄”无效"),
    ({"开放属性": "半开放"}, None, ("目录", "开放属性"), "「开放属性」的取值“半开放”无效"),
    ({"开放属性": "有条件开放"}, None, ("目录", "开放条件"), "开放属性为有条件开放时，「开放条件」必须填写"),
    ({"更新周期": "每分钟"}, None, ("目录", "更新周期"), "「更新周期」的取值“每分钟”无效"),
    ({"发布日期": "2025-02-30"}, None, ("目录", "发布日期"), "「发布日期」“2025-02-30”不是真实存在的日期"),
    ({"发布日期": (TODAY + datetime.timedelta(days=1)).isoformat()}, None, ("目录", "发布日期"), "「发布日期」不能晚于今天"),
    ({"关联资源代码": "201003/1"}, None, ("目录", "关联资源代码"), "「关联资源代码」中的“201003/1”不是有效的信息资源代码"),
    ({"空间范围": "330102"}, None, ("目录", "空间范围"), "「空间范围」的取值“330102”无效"),
    ({"数据模态": "气味"}, None, ("目录", "数据模态"), "「数据模态」的取值“气味”无效"),
    ({"数据量": "条" * 51}, None, ("目录", "数据量"), "「数据量」不能超过50个字符"),
    ({"数据分级": "核心"}, None, ("目录", "数据分级"), "数据分级为核心：核心数据不得编入共享开放目录"),
    ({"数据分级": "重要"}, None, ("目录", "共享类型"), "数据分级为重要，信息资源的共享类型不能宽于有条件共享"),
    ({"数据分级": "一般-4"}, None, ("目录", "开放属性"), "数据分级为一般-4，信息资源的开放属性不能宽于不予开放"),
    ({"共享类型": "不予共享", "共享条件": "《某条例》第十条", "开放属性": "无条件开放"}, None, ("目录", "开放属性"),
     "信息资源的共享类型为不予共享，信息资源的开放属性不能宽于不予开放"),
    ({"网址名称": "Not A Name!"}, None, ("目录", "网址名称"), ""),
    ({"关键词": "公交、" + "长" * 101}, None, ("目录", "关键词"), ""),
    ({}, {"名称": ""}, ("信息项", "名称"), "「名称」为必填项"),
    ({}, {"数据类型": "字符"}, ("信息项", "数据类型"), "「数据类型」的取值“字符”无效"),
    ({}, {"长度": "十二"}, ("信息项", "长度"), "「长度」应为1至1000000之间的整数（现为“十二”）"),
    ({"开放属性": "有条件开放", "开放条件": "签订协议"}, {"开放属性": "无条件开放"}, ("信息项", "开放属性"),
     "的开放属性（无条件开放）不能宽于信息资源的开放属性（有条件开放）"),
    ({}, {"含个人信息": "也许"}, ("信息项", "含个人信息"), "「含个人信息」只能填“是”或“否”（现为“也许”）"),
    ({}, {"敏感": "2"}, ("信息项", "敏感"), "「敏感」只能填“是”或“否”（现为“2”）"),
    ({}, {"分级": "二级"}, ("信息项", "分级"), "「分级」的取值“二级”无效"),
    ({}, {"分级": "一般-3"}, ("目录", "数据分级"), "「数据分级」（一般-1）低于信息项“字段”的分级（一般-3）"),
]


def test_wrong_values_in_every_validated_field(site):
    """One workbook, one wrong value per entry: every entry fails, at the cell concerned,
    with the validators' message, and nothing is stored."""
    catalog, items = [], []
    for number, (cells, item_cells, _, _) in enumerate(WRONG):
        title = f"错误值{number}"
        catalog.append(wb.entry(site.transport, **{"信息资源名称": title, **cells}))
        key = cells.get("信息资源名称", title)
        items.append(wb.item(key, **(item_cells or {})))
    before = wb.stored()
    report = wb.import_as(site.transport_editor, wb.build(catalog, items))["report"]
    assert (report["created"], report["updated"], report["failed"]) == (0, 0, len(WRONG))
    problems = by_row(report)
    for number, (_, item_cells, (sheet, column), fragment) in enumerate(WRONG):
        row = number + 2
        found = problems.get((sheet, row), [])
        assert any(c == column and fragment in m for c, m in found), (WRONG[number], found)
    assert wb.stored() == before


def test_items_that_belong_to_no_entry(site):
    content = wb.build(
        [wb.entry(site.transport, 信息资源名称="同名"), wb.entry(site.transport, 信息资源名称="同名"),
         wb.entry(site.transport, 信息资源名称="有主的信息资源")],
        [wb.item("201003/14020001399998", 名称="孤立"),
         wb.item("同名", 名称="无法确定"),
         wb.item("没有这条", 名称="找不到"),
         {"名称": "没有键", "数据类型": "C"},
         wb.item("有主的信息资源", 名称="正常")])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert [e["result"] for e in report["entries"]] == ["failed", "failed", "created"]
    assert report["skipped_item_rows"] == 4
    assert report["summary"] == "共3条信息资源：新建1条，更新0条，失败2条；另有4行信息项无法对应到信息资源，未导入"
    ambiguous = "「目录」工作表中有多行（第2、3行）未填信息资源代码且名称均为“同名”，无法确定信息项属于哪一行：请填写信息资源代码或改用不同的名称"
    assert by_row(report) == {
        ("信息项", 2): [("信息资源代码", "信息资源代码“201003/14020001399998”在「目录」工作表中没有对应的行，该信息项未导入")],
        ("信息项", 3): [("信息资源名称", ambiguous)],
        ("信息项", 4): [("信息资源名称", "「目录」工作表中没有未填信息资源代码、名称为“没有这条”的行，该信息项未导入")],
        ("信息项", 5): [("信息资源代码", "信息项未填写信息资源代码（新建尚无代码的信息资源时可填写信息资源名称），无法确定所属信息资源")],
        ("目录", 2): [("信息资源名称", ambiguous)],
        ("目录", 3): [("信息资源名称", ambiguous)],
    }


def test_duplicate_codes_in_one_workbook(site):
    code = "201003/14020001377777"
    content = wb.build([wb.entry(site.transport, 信息资源名称="重复一", 信息资源代码=code),
                        wb.entry(site.transport, 信息资源名称="重复二", 信息资源代码=code)])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert report["failed"] == 2
    assert by_row(report) == {
        ("目录", 2): [("信息资源代码", f"信息资源代码“{code}”在本工作簿中重复（第2、3行）")],
        ("目录", 3): [("信息资源代码", f"信息资源代码“{code}”在本工作簿中重复（第2、3行）")],
    }


def test_editors_import_only_into_their_organizations(site):
    theirs = create(site.culture, title="文旅局的信息资源")
    content = wb.build([
        wb.entry(site.culture, 信息资源名称="放到别人名下"),
        wb.entry(site.culture, 信息资源名称="改别人的", 信息资源代码=theirs["resource_code"]),
        wb.entry(site.transport, 信息资源名称="本部门的"),
    ])
    before = show(theirs["id"])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert [e["result"] for e in report["entries"]] == ["failed", "failed", "created"]
    assert by_row(report) == {
        ("目录", 2): [("提供方", "您无权在提供方“大同市文化和旅游局”下新建信息资源")],
        ("目录", 3): [("信息资源代码", f"您无权修改信息资源“文旅局的信息资源”（{theirs['resource_code']}），它由“大同市文化和旅游局”提供")],
    }
    assert show(theirs["id"]) == before
    assert titled("放到别人名下") == []


def test_moving_an_entry_needs_rights_in_both_organizations(site):
    ours = create(site.transport, title="想换提供方")
    content = wb.build([wb.entry(site.culture, 信息资源名称="想换提供方", 信息资源代码=ours["resource_code"])])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert by_row(report) == {("目录", 2): [("提供方", "您无权在提供方“大同市文化和旅游局”下放入信息资源")]}
    report = wb.import_as(site.sysadmin, content)["report"]
    assert report["updated"] == 1
    assert show(ours["id"])["owner_org"] == site.culture["id"]


@pytest.mark.parametrize("who", ["citizen", "county_member", "analyst"])
def test_users_without_an_editable_organization_cannot_import(site, who):
    with pytest.raises(tk.NotAuthorized):
        wb.import_as(getattr(site, who), wb.build([wb.entry(site.transport)]))


def test_garbled_text_and_excel_errors(site):
    garbled = "大同市公交线路".encode("gb18030").decode("latin-1")
    content = wb.build([wb.entry(site.transport, 信息资源名称=garbled),
                        wb.entry(site.transport, 信息资源名称="替换字符", 摘要="摘要\ufffd\ufffd"),
                        wb.entry(site.transport, 信息资源名称="错误值", 数据量="#N/A")])
    before = wb.stored()
    report = wb.import_as(site.transport_editor, content)["report"]
    assert report["failed"] == 3
    assert by_row(report) == {
        ("目录", 2): [("信息资源名称", f"「信息资源名称」的内容疑似乱码（“{garbled}”）：文件中的文字可能按错误的编码保存，请改正后重新上传")],
        ("目录", 3): [("摘要", "「摘要」的内容疑似乱码（“摘要\ufffd\ufffd”）：文件中的文字可能按错误的编码保存，请改正后重新上传")],
        ("目录", 4): [("数据量", "「数据量」是 Excel 错误值“#N/A”，请填写实际内容")],
    }
    assert wb.stored() == before


@pytest.mark.parametrize("heading, value", [("共享属性", "全部共享"), ("开放属性", "全部开放")])
def test_invalid_item_sharing_or_opening(site, heading, value):
    content = wb.build([wb.entry(site.transport, 信息资源名称=f"信息项{heading}错误")],
                       [wb.item(f"信息项{heading}错误", **{heading: value})])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert by_row(report) == {("信息项", 2): [(heading, f"「{heading}」的取值“{value}”无效，可选：" + (
        "无条件共享、有条件共享、不予共享" if heading == "共享属性" else "无条件开放、有条件开放、不予开放"))]}


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(site):
    catalog_headings, item_headings = wb.headings()
    book = wb.load(wb.build([]))
    catalog, items = book["目录"], book["信息项"]
    rows = {2: wb.entry(site.transport, 信息资源名称="空行之前"), 5: wb.entry(site.transport, 信息资源名称="空行之后", 格式="纸质")}
    for number, cells in rows.items():
        for column, heading in enumerate(catalog_headings, start=1):
            catalog.cell(number, column, cells.get(heading))
    catalog.cell(4, 1, "   ")  # whitespace only: blank
    item_cells = wb.item("空行之后", 名称="")
    for column, heading in enumerate(item_headings, start=1):
        items.cell(7, column, item_cells.get(heading))
    report = wb.import_as(site.transport_editor, wb.save(book))["report"]
    assert [(e["row"], e["result"]) for e in report["entries"]] == [(2, "created"), (5, "failed")]
    assert by_row(report) == {
        ("目录", 5): [("格式", "「格式」的取值“纸质”无效，可选：电子文件、电子表格、数据库、图形图像、流媒体、自描述格式、服务接口、其他")],
        ("信息项", 7): [("名称", "「名称」为必填项")],
    }


def test_uploading_new_entries_twice_does_not_duplicate_them(site):
    content = wb.build([wb.entry(site.transport, 信息资源名称="两次上传")], [wb.item("两次上传", 名称="编号")])
    first = wb.import_as(site.transport_editor, content)["report"]
    assert first["created"] == 1
    code = first["entries"][0]["resource_code"]
    before = wb.stored()
    second = wb.import_as(site.transport_editor, content)["report"]
    assert (second["created"], second["failed"]) == (0, 1)
    assert by_row(second) == {("目录", 2): [(
        "信息资源名称", f"提供方“大同市交通运输局”已有名为“两次上传”的信息资源（{code}）：要更新它请填写其信息资源代码，要新建请改用不同的名称")]}
    assert wb.stored() == before


def test_an_entry_the_user_cannot_see_is_not_described(site):
    hidden = create(site.culture, title="文旅局的私有信息资源", private=True)
    content = wb.build([wb.entry(site.culture, 信息资源名称="猜代码", 信息资源代码=hidden["resource_code"])])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert by_row(report) == {("目录", 2): [(
        "信息资源代码", f"信息资源代码“{hidden['resource_code']}”属于其他提供方的信息资源，您无权修改")]}
    assert "文旅局的私有信息资源" not in str(report)


def test_a_wrong_sheet_dimension_loses_no_rows(site):
    """Some programs write <dimension ref="A1"/> whatever the sheet holds: every row still counts."""
    content = wb.build([wb.entry(site.transport, 信息资源名称=f"尺寸{n}") for n in range(3)])
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                part, replaced = re.subn(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1"/>', part)
                assert replaced == 1
            target.writestr(info, part)
    report = wb.import_as(site.transport_editor, buffer.getvalue())["report"]
    assert (report["total"], report["created"]) == (3, 3)


def test_updating_an_entry_keeps_its_uploaded_chinese_file_name(site, web, tmp_path, monkeypatch):
    """The update path writes the stored entry back with package_show's percent-encoded URLs."""
    monkeypatch.setitem(helpers.config, "ckan.storage_path", str(tmp_path))
    stored = create(site.transport, title="带附件的信息资源")
    upload = FileStorage(io.BytesIO("站点\n大同站\n".encode("utf-8")), filename="站点名录.csv")
    resource = helpers.call_action("resource_create", context={"user": site.transport_editor["name"]},
                                   package_id=stored["id"], name="站点名录", upload=upload)
    content = wb.build([wb.entry(site.transport, 信息资源名称="带附件的信息资源（更新）",
                                 信息资源代码=stored["resource_code"])])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert (report["updated"], report["failed"]) == (1, 0), report["problems"]
    assert model.Resource.get(resource["id"]).url == "站点名录.csv"
    after = show(stored["id"])["resources"][0]
    assert after["url"] == resource["url"]
    response = web.get(urllib.parse.urlsplit(after["url"]).path)
    assert response.data.decode("utf-8") == "站点\n大同站\n"
