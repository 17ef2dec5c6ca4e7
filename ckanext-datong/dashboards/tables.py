"""The dashboards' tables: a title, Chinese column headings and rows of numbers and text,
with the columns a bar chart draws; exported as CSV (UTF-8 with a byte-order mark, cells a
spreadsheet never runs as formulas) and as .xlsx."""
from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any, Optional

import openpyxl
from openpyxl.styles import Font

from ckanext.datong.sharing.audit import BOM, FORMULA_STARTS


@dataclasses.dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    chart: Optional[tuple[int, int]] = None
    """(label column, value column) of the bar chart drawn from the table, if any."""

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "columns": list(self.columns),
                "rows": [list(row) for row in self.rows],
                "chart": list(self.chart) if self.chart else None}

    @classmethod
    def of_dict(cls, table: dict[str, Any]) -> "Table":
        return cls(table["key"], table["title"], tuple(table["columns"]),
                   tuple(tuple(row) for row in table["rows"]),
                   (table["chart"][0], table["chart"][1]) if table.get("chart") else None)


def percent(part: int, whole: int) -> Optional[float]:
    """`part` of `whole` in per cent, one decimal; None when `whole` is 0."""
    return round(100 * part / whole, 1) if whole else None


def _cell(value: Any) -> str:
    """A CSV cell: numbers as written, text that looks like a formula quoted with '."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: byte-order mark, headings, rows; empty figures as empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([_cell(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    """The table as a workbook of one sheet: headings in bold, numbers as numbers, text as text
    (a cell starting like a formula is stored as a string, never evaluated)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([None if value is None else value for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
    for index, column in enumerate(table.columns, start=1):
        width = max([len(str(column))] + [len(str(row[index - 1] or "")) for row in table.rows])
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = min(60, 2 * width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
