"""Columns of the catalog workbook, derived from the dataset schema (schemas/dataset.yaml).

The headings are the schema's zh_Hans_CN labels; the only column the schema does not name
is 提供方代码 (the provider's 统一社会信用代码), placed after 提供方 and headed with
提供方's label followed by 代码. Sheet 目录 follows the schema's field order with the
identifying columns (信息资源名称, 信息资源代码) first and 网址名称 last; sheet 信息项 has
the key 信息资源代码, 信息资源名称 (to attach items to a new entry that has no code yet)
and the subfields of 信息项.

Cells hold the stored values: multi-valued fields joined with 、, flags as 是/否. On
import a cell may also hold the Chinese label of a coded value (平城区 for 140213, 字符型
for C); derived columns (资源属性) are exported and ignored.
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Iterable, Literal

from ckanext.datong import lists, schema_fields, vocabulary
from ckanext.datong.schema_fields import ITEMS

CATALOG_SHEET = "目录"
ITEMS_SHEET = "信息项"
GUIDE_SHEET = "填写说明"
KEY = "resource_code"
TITLE = "title"
PROVIDER = "owner_org"
PROVIDER_CODE = "owner_org_uscc"  # not a schema field: the provider's 统一社会信用代码
LEADING = (TITLE, KEY)  # the columns that identify an entry come first
TRAILING = ("name",)

Kind = Literal[schema_fields.Kind, "provider_code"]
FLAG_CELLS = {"true": "是", "false": "否"}


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a sheet: the schema field it carries, its heading and how it converts."""

    field_name: str
    heading: str
    kind: Kind
    required: bool = False
    vocabulary: str | None = None
    max_length: int | None = None
    help: str = ""
    placeholder: str = ""

    @property
    def imported(self) -> bool:
        return self.kind != "derived"


@dataclasses.dataclass(frozen=True)
class Layout:
    """The columns of sheets 目录 and 信息项."""

    catalog: tuple[Column, ...]
    items: tuple[Column, ...]

    def catalog_column(self, field_name: str) -> Column | None:
        return next((c for c in self.catalog if c.field_name == field_name), None)

    def item_column(self, field_name: str) -> Column | None:
        return next((c for c in self.items if c.field_name == field_name), None)

    def heading(self, field_name: str) -> str:
        column = self.catalog_column(field_name)
        return column.heading if column else field_name

    def item_heading(self, field_name: str) -> str:
        column = self.item_column(field_name)
        return column.heading if column else field_name

    def required_catalog_headings(self) -> list[str]:
        return [c.heading for c in self.catalog if c.required]

    def required_item_headings(self) -> list[str]:
        return [c.heading for c in self.items if c.required]


def _zh(text: Any) -> str:
    text = text or ""
    return str(text.get("zh_Hans_CN", "") if isinstance(text, dict) else text).rstrip("。")


def _column(field: dict[str, Any], required: bool | None = None) -> Column:
    return Column(
        field_name=field["field_name"],
        heading=schema_fields.label(field),
        kind=schema_fields.kind(field),
        required=bool(field.get("required")) if required is None else required,
        vocabulary=field.get("vocabulary"),
        max_length=schema_fields.max_length(field),
        help=_zh(field.get("help_text")),
        placeholder=_zh(field.get("form_placeholder")),
    )


def layout() -> Layout:
    """The workbook layout of the configured dataset schema."""
    fields = schema_fields.dataset_fields()
    by_name = {f["field_name"]: f for f in fields}
    ordered = ([by_name[n] for n in LEADING]
               + [f for f in fields if f["field_name"] not in LEADING + TRAILING]
               + [by_name[n] for n in TRAILING])
    catalog: list[Column] = []
    for field in ordered:
        if field["field_name"] == ITEMS:
            continue
        if field["field_name"] == KEY:
            catalog.append(_column(field, required=True))  # the column must exist, cells may be empty
        elif field["field_name"] == PROVIDER:
            provider = _column(field, required=False)
            catalog.append(provider)
            catalog.append(Column(PROVIDER_CODE, f"{provider.heading}代码", "provider_code"))
        elif schema_fields.kind(field) == "derived":
            catalog.append(_column(field, required=False))
        else:
            catalog.append(_column(field))
    items = [_column(by_name[KEY], required=True), _column(by_name[TITLE], required=False)]
    items += [_column(sub) for sub in by_name[ITEMS]["repeating_subfields"]]
    return Layout(tuple(catalog), tuple(items))


# --------------------------------------------------------------------------- stored value → cell


def cell_value(column: Column, value: Any) -> Any:
    """The cell written for a stored value (package_show form) of `column`."""
    if value is None or value == "" or value == []:
        return None
    if column.kind in ("multiple", "codes"):
        return lists.SEPARATOR.join(str(v) for v in value) if isinstance(value, list) else str(value)
    if column.kind == "tags":
        return lists.SEPARATOR.join(t["name"] if isinstance(t, dict) else str(t) for t in value)
    if column.kind == "flag":
        return FLAG_CELLS.get(str(value), str(value))
    if column.kind == "integer" and str(value).isdigit():
        return int(value)
    return str(value)


# --------------------------------------------------------------------------- cell → input value


def cell_text(value: Any) -> str:
    """A cell as text: empty for blank cells, whole numbers without a decimal point,
    dates as YYYY-MM-DD (and times after them), booleans as 是/否."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def _coded(vocabulary_name: str, text: str) -> str:
    """The stored value of `text`, which may be the value itself or its Chinese label."""
    if text in vocabulary.values(vocabulary_name):
        return text
    return next((t.value for t in vocabulary.terms(vocabulary_name) if t.label == text), text)


def input_value(column: Column, text: str) -> Any:
    """The value given to package_create/package_update for a cell's text; the schema's
    validators check it."""
    if column.kind == "choice" and column.vocabulary and text:
        return _coded(column.vocabulary, text)
    if column.kind == "multiple" and column.vocabulary:
        return [_coded(column.vocabulary, part) for part in lists.split(text)]
    if column.kind == "codes":
        return lists.split(text)
    return text


def tag_string(text: str) -> str:
    """CKAN's comma-separated tag string for a 关键词 cell."""
    return ",".join(lists.split(text))


def guide_rows(current: Layout) -> Iterable[tuple[str, str, str, str]]:
    """(sheet, heading, 必填, explanation) for every column: the 填写说明 sheet."""
    for sheet, columns in ((CATALOG_SHEET, current.catalog), (ITEMS_SHEET, current.items)):
        for column in columns:
            yield sheet, column.heading, "是" if column.required else "", _explain(sheet, column)


def _explain(sheet: str, column: Column) -> str:
    notes: list[str] = []
    if column.field_name == KEY and sheet == CATALOG_SHEET:
        notes.append("与平台上已有的信息资源代码相同则更新该信息资源，留空则新建并自动生成代码")
    elif column.field_name == KEY:
        notes.append("信息项所属信息资源的代码，须在「目录」工作表中出现")
    elif column.field_name == TITLE and sheet == ITEMS_SHEET:
        notes.append("新建信息资源尚无代码时，信息资源代码留空，按此名称对应「目录」中未填代码的行（名称须唯一）")
    elif column.kind == "provider":
        notes.append("提供方组织的名称；与提供方代码至少填写一项")
    elif column.kind == "provider_code":
        notes.append("提供方的统一社会信用代码（18位）")
    elif column.kind == "derived":
        notes.append("由系统生成，导入时忽略")
    if column.help:
        notes.append(column.help)
    elif column.placeholder and column.kind == "text":
        notes.append(column.placeholder)
    if column.kind == "license":
        notes.append("填写许可协议的代码（如 cc-by）或名称")
    if column.kind == "integer":
        notes.append("填写整数")
    if column.vocabulary and column.kind in ("choice", "multiple"):
        terms = vocabulary.terms(column.vocabulary)
        listed = "、".join(t.value if t.value == t.label else f"{t.value}（{t.label}）" for t in terms)
        notes.append(f"可选：{listed}")
    if column.kind in ("multiple", "codes", "tags"):
        notes.append("多个值用“、”分隔")
    if column.kind == "flag":
        notes.append("填“是”或“否”")
    if column.kind == "date":
        notes.append("格式 YYYY-MM-DD")
    if column.max_length:
        notes.append(f"不超过{column.max_length}个字符")
    return "；".join(notes)
