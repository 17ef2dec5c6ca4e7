"""Files that are not importable catalog workbooks: each gets a clear Chinese report through
the action (a ValidationError on `upload`) and the upload page (never a 500), and leaves
the stored catalog exactly as it was."""
from __future__ import annotations

import io
import os
import random
import re
import time
import zipfile
from typing import Callable

import openpyxl
import pytest
import ckan.plugins.toolkit as tk
from bs4 import BeautifulSoup
from ckan.tests import helpers

from ckanext.datong.workbook import importer, reader
from tests.workbook import workbooks as wb

DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def _data(name: str) -> bytes:
    with open(os.path.join(DATA, name), "rb") as stream:
        return stream.read()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _merged(site) -> bytes:
    book = wb.load(wb.build([wb.entry(site.transport, 信息资源名称="合并一"),
                             wb.entry(site.transport, 信息资源名称="合并二")]))
    book["目录"].merge_cells("E2:E3")
    book["信息项"].merge_cells("C5:D5")
    return wb.save(book)


def _rows(count: int) -> bytes:
    """A workbook with `count` 目录 rows (three cells each, written in streaming mode)."""
    catalog_headings, item_headings = wb.headings()
    book = openpyxl.Workbook(write_only=True)
    catalog = book.create_sheet("目录")
    catalog.append(catalog_headings)
    for number in range(count):
        catalog.append([f"信息资源{number}", None, "201003"])
    book.create_sheet("信息项").append(item_headings)
    return wb.save(book)


def _gbk_text(site) -> bytes:
    """An xlsx whose 目录 sheet holds its Chinese text as raw GBK bytes in XML read as UTF-8."""
    content = wb.build([wb.entry(site.transport, 信息资源名称="编码错误")])
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))) if int(m.group(1)) > 127 else m.group(0),
                              part.decode("ascii"))
                part = text.encode("gb18030")
            target.writestr(info, part)
    return buffer.getvalue()


def _without(site, *missing: str) -> bytes:
    catalog_headings, _ = wb.headings()
    return wb.build([wb.entry(site.transport)],
                    catalog_headings=[h for h in catalog_headings if h not in missing])


CSV = "信息资源名称,信息资源分类,提供方\n公交线路,201003,大同市交通运输局\n"
# (case, workbook bytes from the site, fragments every report must contain)
CASES: list[tuple[str, Callable, list[str]]] = [
    ("csv renamed", lambda site: CSV.encode("utf-8"), ["这是文本文件（如 CSV，UTF-8 编码），不是 Excel 工作簿（.xlsx）"]),
    ("gbk csv renamed", lambda site: CSV.encode("gbk"), ["这是文本文件", "GBK"]),
    ("text in an unknown encoding", lambda site: "title,provider\nbus lines,transport\n".encode("cp500"),
     ["这是文本文件（如 CSV，编码无法识别）"]),
    ("pdf renamed", lambda site: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", ["这是 PDF 文件"]),
    ("random bytes", lambda site: random.Random(7).randbytes(4096), ["不是可识别的文件格式"]),
    ("empty file", lambda site: b"", ["文件是空的"]),
    ("zip archive", lambda site: _zip({"readme.txt": b"hello"}), ["这是 ZIP 压缩包"]),
    ("word document", lambda site: _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}),
     ["这是 Word 文档"]),
    ("broken xlsx", lambda site: wb.build([wb.entry(site.transport)])[:3000], ["文件已损坏"]),
    ("password-protected", lambda site: _data("workbook-encrypted.xlsx"), ["工作簿设置了打开密码"]),
    ("old xls", lambda site: _data("workbook-old.xls"), ["旧版 Excel 97-2003 工作簿（.xls）", "另存为"]),
    ("gbk bytes in the xml", _gbk_text, ["工作簿无法读取", "编码"]),
    ("missing sheet", lambda site: wb.build([wb.entry(site.transport)], sheets=("目录",)),
     ["工作簿缺少工作表：「信息项」", "现有工作表：目录"]),
    ("no sheet of the layout", lambda site: wb.save(openpyxl.Workbook()),
     ["工作簿缺少工作表：「目录」、「信息项」", "现有工作表：Sheet"]),
    ("missing columns", lambda site: _without(site, "摘要", "行业领域"), ["「目录」工作表缺少列：摘要、行业领域"]),
    ("missing provider columns", lambda site: _without(site, "提供方", "提供方代码"),
     ["「目录」工作表缺少列：提供方（或提供方代码）"]),
    ("missing item columns", lambda site: wb.build([wb.entry(site.transport)], item_headings=["信息资源代码", "名称"]),
     ["「信息项」工作表缺少列：数据类型"]),
    ("duplicated column", lambda site: wb.build([wb.entry(site.transport)],
                                                catalog_headings=wb.headings()[0] + ["摘要"]),
     ["「目录」工作表的列“摘要”出现了多次（G、AA列）"]),
    ("no headings", lambda site: wb.build([], catalog_headings=[""], item_headings=[""]),
     ["「目录」工作表的第1行应为列名", "「信息项」工作表的第1行应为列名"]),
    ("merged cells", _merged, ["「目录」工作表有1处合并单元格（E2:E3）", "「信息项」工作表有1处合并单元格（C5:D5）",
                               "请取消合并"]),
    ("empty workbook", lambda site: wb.build([]), ["工作簿中没有信息资源"]),
    ("10,000 rows", lambda site: _rows(10_000), ["「目录」工作表有10000条信息资源，超过每个工作簿5000条的上限", "拆分"]),
]


@pytest.mark.parametrize("case, make, fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_file_through_the_action(site, monkeypatch, case, make, fragments):
    content = make(site)
    monkeypatch.setattr(importer, "run", _must_not_import)
    before = wb.stored()
    with pytest.raises(tk.ValidationError) as raised:
        wb.import_as(site.transport_editor, content)
    problems = raised.value.error_dict["upload"]
    assert all(isinstance(p, str) for p in problems)
    for fragment in fragments:
        assert any(fragment in problem for problem in problems), (fragment, problems)
    assert wb.stored() == before


def _must_not_import(*args, **kwargs):
    raise AssertionError("a rejected workbook reached the importer")


@pytest.mark.parametrize("case, make, fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_file_through_the_upload_page(web, site, case, make, fragments):
    before = wb.stored()
    response = web.post("/catalog/workbook/import", headers={"Authorization": site.transport_editor["token"]},
                        data={"upload": (io.BytesIO(make(site)), "目录.xlsx")})
    assert response.status_code == 200
    errors = BeautifulSoup(response.body, "html.parser").select_one(".datong-workbook-errors")
    assert errors is not None and "工作簿未导入，平台上的数据没有任何改动" in errors.text
    for fragment in fragments:
        assert fragment in errors.text
    assert wb.stored() == before


def test_too_many_rows_is_refused_before_reading_the_rows(site, monkeypatch):
    """Counting streams the sheet XML: the cells are never loaded."""
    content = _rows(10_000)
    monkeypatch.setattr(reader, "_rows", _must_not_import)
    started = time.perf_counter()
    with pytest.raises(reader.WorkbookRejected):
        reader.read(content)
    assert time.perf_counter() - started < 5


@pytest.mark.ckan_config("ckanext.datong.workbook.max_entries", 3)
def test_the_maximum_is_configurable(site):
    rows = [wb.entry(site.transport, 信息资源名称=f"上限{n}") for n in range(4)]
    with pytest.raises(tk.ValidationError) as raised:
        wb.import_as(site.transport_editor, wb.build(rows))
    assert "「目录」工作表有4条信息资源，超过每个工作簿3条的上限" in raised.value.error_dict["upload"][0]


@pytest.mark.ckan_config("ckanext.datong.workbook.max_upload_mb", 1)
def test_file_over_the_size_limit(site):
    before = wb.stored()
    with pytest.raises(tk.ValidationError) as raised:
        wb.import_as(site.transport_editor, b"PK\x03\x04" + bytes(1024 * 1024))
    assert raised.value.error_dict["upload"] == ["文件超过1MB的上限，请拆分后分批导入"]
    assert wb.stored() == before


def test_no_file(site):
    with pytest.raises(tk.ValidationError) as raised:
        helpers.call_action("datong_catalog_import", context={"user": site.transport_editor["name"]})
    assert raised.value.error_dict["upload"] == ["请选择要上传的工作簿文件（.xlsx）"]


def test_no_file_on_the_upload_page(web, site):
    response = web.post("/catalog/workbook/import", headers={"Authorization": site.transport_editor["token"]},
                        data={})
    assert response.status_code == 200
    assert "请选择要上传的工作簿文件（.xlsx）" in response.body


def test_unknown_columns_are_ignored_and_said(site):
    catalog_headings, _ = wb.headings()
    content = wb.build([wb.entry(site.transport, 信息资源名称="带备注列", 备注="内部备注")],
                       catalog_headings=catalog_headings + ["备注"])
    report = wb.import_as(site.transport_editor, content)["report"]
    assert report["created"] == 1
    assert report["notes"] == ["「目录」工作表中未识别的列已忽略：备注"]


def test_the_http_api_answers_with_a_structured_error(web, site):
    before = wb.stored()
    response = web.post("/api/3/action/datong_catalog_import", status=409,
                        headers={"Authorization": site.transport_editor["token"]},
                        data={"upload": (io.BytesIO(_data("workbook-encrypted.xlsx")), "目录.xlsx")})
    body = response.json
    assert body["success"] is False
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["upload"][0].startswith("工作簿设置了打开密码（文件已加密），平台无法读取")
    assert wb.stored() == before


@pytest.mark.ckan_config("ckanext.datong.workbook.max_item_rows", 2)
def test_too_many_item_rows(site):
    content = wb.build([wb.entry(site.transport, 信息资源名称="信息项太多")],
                       [wb.item("信息项太多", 名称=f"字段{n}") for n in range(3)])
    with pytest.raises(tk.ValidationError) as raised:
        wb.import_as(site.transport_editor, content)
    assert raised.value.error_dict["upload"] == ["「信息项」工作表有3行，超过每个工作簿2行的上限：请拆分为多个工作簿分批导入"]
