"""Building catalog workbooks for the tests, and reading what the portal stored."""
from __future__ import annotations

import io
from typing import Any, Iterable, Mapping

import openpyxl
import sqlalchemy as sa
from ckan import model
from ckan.tests import helpers

from ckanext.datong.workbook import layout

Cells = Mapping[str, Any]


def headings() -> tuple[list[str], list[str]]:
    """The headings of sheets 目录 and 信息项."""
    current = layout.layout()
    return [c.heading for c in current.catalog], [c.heading for c in current.items]


def build(catalog: Iterable[Cells], items: Iterable[Cells] = (), *,
          catalog_headings: list[str] | None = None, item_headings: list[str] | None = None,
          sheets: tuple[str, ...] = (layout.CATALOG_SHEET, layout.ITEMS_SHEET)) -> bytes:
    """An .xlsx file with rows given as {heading: value} (headings default to the layout)."""
    default_catalog, default_items = headings()
    book = openpyxl.Workbook()
    book.remove(book.active)
    rows = {layout.CATALOG_SHEET: (catalog_headings or default_catalog, catalog),
            layout.ITEMS_SHEET: (item_headings or default_items, items)}
    for name in sheets:
        sheet = book.create_sheet(name)
        columns, values = rows[name]
        sheet.append(columns)
        for cells in values:
            sheet.append([cells.get(column) for column in columns])
    return save(book)


def save(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def entry(org: Mapping[str, Any], **cells: Any) -> dict[str, Any]:
    """The 目录 cells of a valid entry of `org` (an organization dict), with `cells` over them."""
    return {
        "信息资源名称": "测试信息资源", "信息资源分类": "201003", "提供方": org["title"],
        "摘要": "测试用信息资源摘要。", "行业领域": "交通", "格式": "电子表格",
        "共享类型": "无条件共享", "开放属性": "无条件开放", "更新周期": "每月",
        "空间范围": "140200", "数据分级": "一般-1", **cells,
    }


def item(key: str, **cells: Any) -> dict[str, Any]:
    """The 信息项 cells of an item of the entry whose code (or, for a new entry, name) is `key`."""
    linked = {"信息资源代码": key} if "/" in key else {"信息资源名称": key}
    return {**linked, "名称": "字段", "数据类型": "C", **cells}


def import_as(user: Mapping[str, Any], content: bytes) -> dict[str, Any]:
    """datong_catalog_import as `user`, with auth checked."""
    return helpers.call_action("datong_catalog_import", context={"user": user["name"], "ignore_auth": False},
                               upload=content)


def stored() -> list[tuple]:
    """Every stored entry, its extras, tags and activities: compare before and after an import."""
    queries = (
        "SELECT id, name, title, state, owner_org, private, metadata_modified FROM package ORDER BY id",
        "SELECT package_id, key, value FROM package_extra ORDER BY package_id, key",
        "SELECT package_id, tag_id, state FROM package_tag ORDER BY package_id, tag_id",
        "SELECT count(*) FROM activity",
        "SELECT count(*) FROM datong_search_doc",
    )
    return [tuple(row) for query in queries for row in model.Session.execute(sa.text(query))]
