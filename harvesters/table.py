"""datong_table: a catalog spreadsheet (.xlsx, or .csv in UTF-8, GBK or GB18030) at an
http(s) URL, in the 1272 workbook layout or read through a column mapping.

Source config (besides the keys of base.validate_common):

- "fields": a column mapping (mapping.py; paths are column headings). Without it the file
  is in the 1272 workbook layout (workbook/layout.py): sheet 目录 (or the CSV) has the
  schema's headings and the .xlsx's sheet 信息项 the entries' 信息项; the 提供方 columns are
  ignored (the source's department owns the entries).
- "sheet": the sheet a mapped .xlsx is read from (default: the first).
- "guid", "provider", "provider_code", "origin_url": column headings, as in datong_json. In
  the workbook layout an entry's identity is its 信息资源代码, else the hash of 提供方 and
  title, and its provider (for "routing") is the 提供方 and 提供方代码 columns.
- "encoding": the CSV's encoding when detection should not decide; "delimiter": the CSV's
  delimiter (default ",").

The file is downloaded to a temporary file and read as a stream: openpyxl in read-only
mode, or the csv module over a text stream whose encoding was detected on a prefix
(a BOM, strict UTF-8, else charset-normalizer).
"""
from __future__ import annotations

import codecs
import csv
import json
import os
import logging
import warnings
from typing import Any, Callable, Iterable, Iterator

import charset_normalizer
import openpyxl

from ckanext.datong.harvesters import http, mapping
from ckanext.datong.harvesters.base import (
    DatongHarvester, RemoteEntry, SourceError, check_keys, field_labels, parse_config, stable_guid,
    validate_common,
)
from ckanext.datong.workbook import layout, reader

log = logging.getLogger(__name__)
OWN_KEYS = ("fields", "sheet", "guid", "provider", "provider_code", "origin_url", "encoding", "delimiter")
PREFIX = 64 * 1024
CHINESE_ENCODINGS = {"gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030", "hz": "gb18030"}

Rows = Iterator[tuple[int, dict[str, Any]]]


class DatongTableHarvester(DatongHarvester):
    """Catalog entries from the rows of a spreadsheet or CSV file."""

    def info(self) -> dict[str, str]:
        return {
            "name": "datong_table",
            "title": "目录表格（xlsx/csv）",
            "description": "从网址上的目录表格（.xlsx，或 UTF-8/GBK/GB18030 编码的 .csv）采集目录，"
                           "按 1272 目录工作簿格式或来源配置中的列映射读取。",
        }

    def validate_config(self, config: str) -> str:
        parsed = parse_config(config)
        validate_common(parsed)
        check_keys(parsed, OWN_KEYS)
        if "fields" in parsed:
            mapping.check(parsed["fields"])
        for key in ("sheet", "provider", "provider_code", "origin_url", "encoding", "delimiter"):
            if key in parsed and not isinstance(parsed[key], str):
                raise ValueError(f"{key} 应为字符串")
        if "encoding" in parsed:
            try:
                codecs.lookup(parsed["encoding"])
            except LookupError:
                raise ValueError(f"无法识别的编码“{parsed['encoding']}”") from None
        if "delimiter" in parsed and len(parsed["delimiter"]) != 1:
            raise ValueError("delimiter 应为单个字符")
        guid = parsed.get("guid")
        if guid is not None and not (isinstance(guid, str) or (
                isinstance(guid, list) and guid and all(isinstance(part, str) for part in guid))):
            raise ValueError("guid 应为列名或列名列表")
        return json.dumps(parsed, ensure_ascii=False)

    def entries(self, source_url: str, config: dict[str, Any], log: Callable[[str], None]) -> Iterator[RemoteEntry]:
        path = http.fetch(source_url, **http.options(config))
        try:
            with open(path, "rb") as stream:
                prefix = stream.read(PREFIX)
            if prefix.startswith(reader.ZIP_MAGIC):
                yield from _workbook_entries(path, config, source_url)
            else:
                problem = reader.not_a_workbook(prefix) if prefix.startswith((reader.OLE_MAGIC, b"%PDF")) else None
                if problem:
                    raise SourceError(f"来源“{source_url}”：{problem}")
                rows = _csv_rows(path, prefix, config, source_url)
                if "fields" in config:
                    yield from _mapped_entries(rows, config)
                else:
                    yield from _layout_entries(rows, {}, source_url)
        finally:
            os.unlink(path)


# --------------------------------------------------------------------------- CSV


def detect_encoding(prefix: bytes) -> str | None:
    """The encoding of a text file from its first bytes: a BOM, strict UTF-8, else what
    charset-normalizer finds (GBK and GB2312 read as their superset GB18030)."""
    if prefix.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    cut = prefix[: prefix.rfind(b"\n") + 1] if len(prefix) == PREFIX and b"\n" in prefix else prefix
    try:
        codecs.getincrementaldecoder("utf-8")().decode(cut, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(cut).best()
    if best is None:
        return None
    return CHINESE_ENCODINGS.get(best.encoding.replace("_", "").lower(), best.encoding)


def _csv_rows(path: str, prefix: bytes, config: dict[str, Any], url: str) -> Rows:
    if b"\x00" in prefix and not prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceError(f"来源“{url}”不是目录表格：既不是 .xlsx 工作簿，也不是文本（CSV）文件")
    encoding = config.get("encoding") or detect_encoding(prefix)
    if encoding is None:
        raise SourceError(f"来源“{url}”的 CSV 文件编码无法识别（应为 UTF-8、GBK 或 GB18030）")
    try:
        with open(path, encoding=encoding, errors="strict", newline="") as text:
            rows = csv.reader(text, delimiter=config.get("delimiter", ","))
            headings = [cell.strip() for cell in next(rows, [])]
            if not any(headings):
                raise SourceError(f"来源“{url}”的 CSV 文件没有列名行")
            if any(reader.garbled(heading) for heading in headings):
                raise SourceError(f"来源“{url}”的 CSV 列名是乱码：文件编码与检测到的 {encoding} 不符")
            for number, cells in enumerate(rows, start=2):
                if any(cell.strip() for cell in cells):
                    yield number, {h: c for h, c in zip(headings, cells) if h}
    except UnicodeDecodeError as error:
        raise SourceError(f"来源“{url}”的 CSV 文件含有按 {encoding} 无法解码的内容"
                          f"（第 {error.start} 字节附近），文件编码无法识别或文件已损坏") from error
    except csv.Error as error:
        raise SourceError(f"来源“{url}”的 CSV 文件格式错误：{error}") from error


# --------------------------------------------------------------------------- xlsx


_UNREADABLE = "工作簿无法读取：文件可能已损坏或不完整"


def _workbook_entries(path: str, config: dict[str, Any], url: str) -> Iterator[RemoteEntry]:
    stream = open(path, "rb")  # a file object: openpyxl judges a path by its extension
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on broken archives and XML
        stream.close()
        raise SourceError(f"来源“{url}”：{_UNREADABLE}") from error
    try:
        names = {name.strip(): name for name in book.sheetnames}
        if "fields" in config:
            name = config.get("sheet") or book.sheetnames[0]
            if name not in book.sheetnames:
                raise SourceError(f"来源“{url}”的工作簿中没有工作表「{name}」")
            yield from _mapped_entries(_sheet_rows(book[name], url), config)
            return
        if layout.CATALOG_SHEET not in names:
            raise SourceError(f"来源“{url}”的工作簿缺少工作表「{layout.CATALOG_SHEET}」（1272 目录工作簿格式），"
                              "或请在来源配置中给出列映射 fields")
        items: dict[str, list[dict[str, Any]]] = {}
        if layout.ITEMS_SHEET in names:
            items = _items(_sheet_rows(book[names[layout.ITEMS_SHEET]], url))
        yield from _layout_entries(_sheet_rows(book[names[layout.CATALOG_SHEET]], url), items, url)
    finally:
        book.close()
        stream.close()


def _sheet_rows(sheet: Any, url: str) -> Rows:
    try:
        yield from reader.sheet_rows(sheet)
    except Exception as error:  # broken sheet XML surfaces as many kinds of errors
        log.info("unreadable sheet at %s: %r", url, error)
        raise SourceError(f"来源“{url}”：{_UNREADABLE}") from error


# --------------------------------------------------------------------------- rows → entries


def _mapped_entries(rows: Rows, config: dict[str, Any]) -> Iterator[RemoteEntry]:
    for _, cells in rows:
        notes = mapping.Notes(labels=field_labels())
        data = mapping.apply(cells, config["fields"], dotted=False, notes=notes)
        guid_paths = config.get("guid") or []
        parts = [mapping.value(cells, path, dotted=False)
                 for path in ([guid_paths] if isinstance(guid_paths, str) else guid_paths)]
        remote_id = "|".join(str(part) for part in parts) if parts and all(p is not None for p in parts) else None
        provider = mapping.value(cells, config["provider"], dotted=False) if config.get("provider") else ""
        code = mapping.value(cells, config["provider_code"], dotted=False) if config.get("provider_code") else ""
        origin = mapping.value(cells, config["origin_url"], dotted=False) if config.get("origin_url") else None
        guid = stable_guid(remote_id, data.get("resource_code"), str(provider or ""), str(data.get("title") or ""))
        yield RemoteEntry(guid=guid, data=data, origin_url=str(origin) if origin else None,
                          provider=str(provider or ""), provider_code=str(code or ""), notes=notes)


def _items(rows: Rows) -> dict[str, list[dict[str, Any]]]:
    """信息项 by the 信息资源代码 (or, without one, the 信息资源名称) they belong to."""
    current = layout.layout()
    key, title = current.item_heading(layout.KEY), current.item_heading(layout.TITLE)
    subfields = [c for c in current.items if c.field_name not in (layout.KEY, layout.TITLE)]
    found: dict[str, list[dict[str, Any]]] = {}
    for _, cells in rows:
        owner = layout.cell_text(cells.get(key)) or "\n" + layout.cell_text(cells.get(title))
        item = {c.field_name: layout.input_value(c, layout.cell_text(cells[c.heading]))
                for c in subfields if c.heading in cells}
        found.setdefault(owner, []).append(item)
    return found


def _layout_entries(rows: Rows, items: dict[str, list[dict[str, Any]]], url: str) -> Iterator[RemoteEntry]:
    current = layout.layout()
    columns = [c for c in current.catalog if c.imported and c.kind not in ("provider", "provider_code")]
    provider = current.heading(layout.PROVIDER)
    provider_code = current.heading(layout.PROVIDER_CODE) if layout.PROVIDER_CODE in {
        c.field_name for c in current.catalog} else ""
    first = True
    for _, cells in rows:
        if first:
            missing = [h for h in current.required_catalog_headings()
                       if h not in cells and h != provider]
            if missing:
                raise SourceError(f"来源“{url}”的目录表缺少列：{'、'.join(missing)}（1272 目录工作簿格式），"
                                  "或请在来源配置中给出列映射 fields")
            first = False
        data = _layout_data(cells, columns)
        code, title = data.get(layout.KEY, ""), data.get(layout.TITLE, "")
        attached = items.get(code) if code else items.get("\n" + title)
        if attached:
            data[layout.ITEMS] = attached
        guid = stable_guid(None, code, layout.cell_text(cells.get(provider)), title)
        yield RemoteEntry(guid=guid, data=data, provider=layout.cell_text(cells.get(provider)),
                          provider_code=layout.cell_text(cells.get(provider_code)) if provider_code else "")


def _layout_data(cells: dict[str, Any], columns: Iterable[layout.Column]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in columns:
        if column.heading not in cells:
            continue
        text = layout.cell_text(cells[column.heading])
        if not text:
            continue
        if column.kind == "tags":
            data["tag_string"] = layout.tag_string(text)
        else:
            data[column.field_name] = layout.input_value(column, text)
    return data
