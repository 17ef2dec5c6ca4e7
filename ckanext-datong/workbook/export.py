"""Writing the catalog workbook: sheets 目录, 信息项 and 填写说明."""
from __future__ import annotations

import dataclasses
import io
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ckanext.datong.workbook import layout

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclasses.dataclass(frozen=True)
class Provider:
    """What the workbook shows of an entry's owner organization."""

    title: str
    uscc: str


def build(entries: Iterable[dict[str, Any]], providers: dict[str, Provider]) -> tuple[bytes, int, int]:
    """The workbook of `entries` (package_show dicts) and its entry and item counts;
    `providers` maps organization ids to their title and 统一社会信用代码."""
    current = layout.layout()
    book = Workbook(write_only=True)
    catalog = _sheet(book, layout.CATALOG_SHEET, [c.heading for c in current.catalog])
    items = _sheet(book, layout.ITEMS_SHEET, [c.heading for c in current.items])
    entry_count = item_count = 0
    for entry in entries:
        provider = providers.get(entry.get("owner_org") or "")
        catalog.append([_catalog_cell(column, entry, provider) for column in current.catalog])
        entry_count += 1
        for item in entry.get(layout.ITEMS) or []:
            values = {**item, layout.KEY: entry.get(layout.KEY), layout.TITLE: entry.get(layout.TITLE)}
            items.append([layout.cell_value(c, values.get(c.field_name)) for c in current.items])
            item_count += 1
    guide = _sheet(book, layout.GUIDE_SHEET, ["工作表", "列名", "必填", "说明"], widths=[10, 16, 6, 90])
    for row in layout.guide_rows(current):
        guide.append([_wrapped(guide, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), entry_count, item_count


def _catalog_cell(column: layout.Column, entry: dict[str, Any], provider: Provider | None) -> Any:
    if column.kind == "provider":
        return provider.title if provider else None
    if column.kind == "provider_code":
        return (provider.uscc or None) if provider else None
    if column.kind == "tags":
        return layout.cell_value(column, entry.get("tags"))
    return layout.cell_value(column, entry.get(column.field_name))


def _sheet(book: Workbook, title: str, headings: list[str],
           widths: list[int] | None = None) -> Any:
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, heading in enumerate(headings, start=1):
        width = widths[index - 1] if widths else max(10, min(40, 2 * len(heading) + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    return sheet


def _wrapped(sheet: Any, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.alignment = _WRAP
    return cell
