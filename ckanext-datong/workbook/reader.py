"""Reading an uploaded catalog workbook, refusing files that cannot be imported.

`inspect` makes every check that concerns the file as a whole — what kind of file it is
(a CSV, a PDF, an old .xls, a password-protected workbook …), its sheets and columns, merged
cells, the number of rows — without loading the rows themselves: rows are counted by
streaming the sheet XML. `read` then loads the cell values. Both raise WorkbookRejected
with Chinese messages.
"""
from __future__ import annotations

import codecs
import dataclasses
import io
import re
import warnings
import xml.etree.ElementTree as ElementTree
import zipfile
from typing import Any, Iterator

import openpyxl
from openpyxl.utils import get_column_letter

from ckanext.datong import config as datong_config
from ckanext.datong.workbook import layout

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .xls, .doc, encrypted OOXML
ZIP_MAGIC = b"PK\x03\x04"
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _MERGE, _CELL = _SHEET_NS + "row", _SHEET_NS + "mergeCell", _SHEET_NS + "c"
_VALUE_TAGS = (_SHEET_NS + "v", _SHEET_NS + "is")
MAX_UNPACKED = 40  # an xlsx unpacks to at most this many times the upload limit
EXCEL_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA"})
_MOJIBAKE = re.compile(r"[\u0080-\u00ff]")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
SAVE_AS = "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿(*.xlsx)”后再上传"


class WorkbookRejected(Exception):
    """The file cannot be imported at all; `problems` say why, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclasses.dataclass
class Row:
    """One non-empty data row: its sheet, its row number and its cells by heading."""

    sheet: str
    number: int
    cells: dict[str, Any]

    def text(self, heading: str) -> str:
        return layout.cell_text(self.cells.get(heading))

    def has(self, heading: str) -> bool:
        return heading in self.cells


@dataclasses.dataclass
class Summary:
    """What `inspect` found: the number of entries (目录 data rows) and the columns it ignores."""

    entries: int
    notes: list[str]


@dataclasses.dataclass
class Workbook:
    """The rows of sheets 目录 and 信息项, with what `inspect` found."""

    summary: Summary
    catalog: list[Row]
    items: list[Row]


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def not_a_workbook(data: bytes) -> str | None:
    """Why `data` is not an xlsx file, when its first bytes already tell."""
    if not data:
        return "文件是空的（0字节），不是 Excel 工作簿"
    if data.startswith(OLE_MAGIC):
        if _utf16("EncryptionInfo") in data or _utf16("EncryptedPackage") in data:
            return ("工作簿设置了打开密码（文件已加密），平台无法读取：请在 Excel 中取消密码"
                    "（文件→信息→保护工作簿→用密码进行加密，清空密码）并保存为 .xlsx 后再上传")
        if _utf16("Workbook") in data or _utf16("Book") in data:
            return f"这是旧版 Excel 97-2003 工作簿（.xls），平台只接受 .xlsx：{SAVE_AS}"
        return "这是旧版 Office 文档（如 .doc），不是 Excel 工作簿（.xlsx）"
    if data.startswith(b"%PDF"):
        return "这是 PDF 文件，不是 Excel 工作簿（.xlsx）：请上传从平台导出或按模板填写的 .xlsx 文件"
    if data.startswith(ZIP_MAGIC):
        return None
    encoding = _text_encoding(data[:65536])
    if encoding is None:
        return "文件不是 Excel 工作簿（.xlsx），也不是可识别的文件格式"
    return f"这是文本文件（如 CSV，{encoding}），不是 Excel 工作簿（.xlsx）：{SAVE_AS}"


def _text_encoding(sample: bytes) -> str | None:
    """How a text file is encoded, in Chinese; None when `sample` is not text."""
    if sample.startswith(codecs.BOM_UTF8):
        return "UTF-8 编码"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 编码"
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\t\n\r\f")
    if controls > len(sample) // 100:
        return None
    if _decodes(sample, "utf-8"):
        return "UTF-8 编码"
    if _decodes(sample, "gb18030"):
        return "可能为 GBK/GB18030 编码"
    return "编码无法识别"


def _decodes(sample: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is fine
    except UnicodeDecodeError:
        return False
    return True


def _archive_problem(data: bytes) -> str | None:
    """Why a ZIP file is not a readable xlsx workbook."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
        encrypted = any(info.flag_bits & 0x1 for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return "文件已损坏，或不是 Excel 工作簿（.xlsx）"
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            return f"这是 Excel 二进制工作簿（.xlsb），平台只接受 .xlsx：{SAVE_AS}"
        if "word/document.xml" in names:
            return "这是 Word 文档，不是 Excel 工作簿（.xlsx）"
        if "ppt/presentation.xml" in names:
            return "这是 PowerPoint 演示文稿，不是 Excel 工作簿（.xlsx）"
        if "content.xml" in names:
            return f"这是 OpenDocument 文件（如 .ods），不是 Excel 工作簿（.xlsx）：{SAVE_AS}"
        return "这是 ZIP 压缩包，不是 Excel 工作簿（.xlsx）"
    if encrypted:
        return "工作簿的内容被加密，平台无法读取：请取消密码后另存为 .xlsx 再上传"
    if unpacked > MAX_UNPACKED * datong_config.workbook_max_upload_bytes():
        return "工作簿解压后过大，无法导入：请删除多余的内容或拆分后分批导入"
    return None


def _open(data: bytes) -> Any:
    problem = not_a_workbook(data) or _archive_problem(data)
    if problem:
        raise WorkbookRejected([problem])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on broken XML and unknown encodings
        raise WorkbookRejected([_UNREADABLE]) from None


_UNREADABLE = ("工作簿无法读取：文件可能已损坏，或其中的文字使用了无法识别的编码"
               "（例如由其他软件按 GBK 等编码写入而未正确转换）。" + SAVE_AS)


def _headings(sheet: Any) -> list[str]:
    try:
        sheet.reset_dimensions()  # the file's own <dimension> may be wrong: read what is there
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    except Exception:  # openpyxl raises many kinds on broken cell XML
        raise WorkbookRejected([_UNREADABLE]) from None
    return [layout.cell_text(value) for value in first]


def _heading_problems(name: str, headings: list[str], columns: tuple[layout.Column, ...],
                      required: list[str], notes: list[str]) -> list[str]:
    if not any(headings):
        expected = "、".join(c.heading for c in columns[:4])
        return [f"「{name}」工作表的第1行应为列名（{expected}……），现在为空"]
    problems = []
    missing = [heading for heading in required if heading not in headings]
    if missing:
        problems.append(f"「{name}」工作表缺少列：{'、'.join(missing)}")
    known = {c.heading for c in columns}
    for heading in dict.fromkeys(h for h in headings if h in known):
        positions = [get_column_letter(i + 1) for i, h in enumerate(headings) if h == heading]
        if len(positions) > 1:
            problems.append(f"「{name}」工作表的列“{heading}”出现了多次（{'、'.join(positions)}列）")
    unknown = [h for h in dict.fromkeys(headings) if h and h not in known]
    if unknown:
        notes.append(f"「{name}」工作表中未识别的列已忽略：{'、'.join(unknown)}")
    return problems


def _scan(sheet: Any) -> tuple[int, list[str]]:
    """Data rows below the heading row, and merged ranges, streamed from the sheet's XML."""
    rows, merged, number = 0, [], 0
    try:
        # The read-only sheet's own XML stream (openpyxl is pinned in setup.py).
        with sheet._get_source() as source:
            for _, element in ElementTree.iterparse(source, events=("end",)):
                if element.tag == _ROW:
                    number = int(element.get("r") or number + 1)
                    if number > 1 and _has_value(element):
                        rows += 1
                    element.clear()
                elif element.tag == _MERGE:
                    merged.append(element.get("ref", ""))
    except (ElementTree.ParseError, ValueError, LookupError, OSError, zipfile.BadZipFile, EOFError):
        raise WorkbookRejected([_UNREADABLE]) from None
    return rows, merged


def _has_value(row: ElementTree.Element) -> bool:
    return any(child.tag in _VALUE_TAGS and "".join(child.itertext()).strip()
               for cell in row if cell.tag == _CELL for child in cell)


def inspect(data: bytes) -> Summary:
    """Check the file as a whole, without loading its rows."""
    book = _open(data)
    try:
        return _inspect(book)
    finally:
        book.close()


def _inspect(book: Any) -> Summary:
    current = layout.layout()
    names = [name.strip() for name in book.sheetnames]
    wanted = (layout.CATALOG_SHEET, layout.ITEMS_SHEET)
    missing = [name for name in wanted if name not in names]
    if missing:
        raise WorkbookRejected([
            f"工作簿缺少工作表：{'、'.join(f'「{m}」' for m in missing)}"
            f"（现有工作表：{'、'.join(book.sheetnames) or '无'}）。请使用平台导出的工作簿作为模板"
        ])
    sheets = {name: book[book.sheetnames[names.index(name)]] for name in wanted}
    problems: list[str] = []
    notes: list[str] = []
    for name, columns, required in (
        (layout.CATALOG_SHEET, current.catalog, current.required_catalog_headings()),
        (layout.ITEMS_SHEET, current.items, current.required_item_headings()),
    ):
        if not hasattr(sheets[name], "iter_rows"):
            problems.append(f"「{name}」是图表工作表，不是数据表")
            continue
        headings = _headings(sheets[name])
        problems += _heading_problems(name, headings, columns, required, notes)
        if name == layout.CATALOG_SHEET and any(headings):
            provider, code = current.heading(layout.PROVIDER), current.heading(layout.PROVIDER_CODE)
            if provider not in headings and code not in headings:
                problems.append(f"「{name}」工作表缺少列：{provider}（或{code}）")
    if problems:
        raise WorkbookRejected(problems)
    entries, catalog_merged = _scan(sheets[layout.CATALOG_SHEET])
    item_rows, items_merged = _scan(sheets[layout.ITEMS_SHEET])
    for name, merged in ((layout.CATALOG_SHEET, catalog_merged), (layout.ITEMS_SHEET, items_merged)):
        if merged:
            shown = "、".join(merged[:20]) + ("等" if len(merged) > 20 else "")
            problems.append(f"「{name}」工作表有{len(merged)}处合并单元格（{shown}）："
                            "合并单元格无法对应到单条信息资源，请取消合并并在每一行填写完整后再上传")
    max_entries = datong_config.workbook_max_entries()
    if entries > max_entries:
        problems.append(f"「{layout.CATALOG_SHEET}」工作表有{entries}条信息资源，超过每个工作簿{max_entries}条的上限："
                        "请拆分为多个工作簿分批导入")
    max_items = datong_config.workbook_max_item_rows()
    if item_rows > max_items:
        problems.append(f"「{layout.ITEMS_SHEET}」工作表有{item_rows}行，超过每个工作簿{max_items}行的上限："
                        "请拆分为多个工作簿分批导入")
    if not entries and not problems:
        problems.append(f"工作簿中没有信息资源：「{layout.CATALOG_SHEET}」工作表除列名外没有内容")
    if problems:
        raise WorkbookRejected(problems)
    return Summary(entries, notes)


def read(data: bytes) -> Workbook:
    """The checked workbook with its rows."""
    book = _open(data)
    try:
        summary = _inspect(book)
        try:
            catalog = list(_rows(book, layout.CATALOG_SHEET))
            items = list(_rows(book, layout.ITEMS_SHEET))
        except Exception:  # openpyxl raises many kinds on broken cell XML
            raise WorkbookRejected([_UNREADABLE]) from None
    finally:
        book.close()
    return Workbook(summary, catalog, items)


def _rows(book: Any, name: str) -> Iterator[Row]:
    sheet = book[next(n for n in book.sheetnames if n.strip() == name)]
    for number, cells in sheet_rows(sheet):
        yield Row(name, number, cells)


def sheet_rows(sheet: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {heading: value}) of each non-blank row under a sheet's heading row,
    read as a stream (a read-only openpyxl sheet)."""
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    headings = [layout.cell_text(value) for value in next(rows, ())]
    for number, values in enumerate(rows, start=2):
        cells = {heading: value for heading, value in zip(headings, values) if heading}
        if any(layout.cell_text(value) for value in cells.values()):
            yield number, cells


def garbled(text: str) -> bool:
    """Whether `text` looks like Chinese decoded with the wrong encoding: it holds the
    replacement character, or Latin-1 letters and no Chinese, and re-decoding its bytes as
    UTF-8 or GB18030 gives Chinese."""
    if "\ufffd" in text:
        return True
    if _CJK.search(text) or len(_MOJIBAKE.findall(text)) < 2:
        return False
    for wrong in ("cp1252", "latin-1"):
        try:
            raw = text.encode(wrong)
        except UnicodeEncodeError:
            continue
        for right in ("utf-8", "gb18030"):
            try:
                if _CJK.search(raw.decode(right)):
                    return True
            except UnicodeDecodeError:
                continue
    return False
