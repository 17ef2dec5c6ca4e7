"""Uploaded tables into the DataStore, so that datastore_search serves them (what
ckanext-xloader does, for the portal's own uploads).

When a resource's uploaded CSV, TSV or XLSX file is new or replaced, `on_resource_saved`
queues `load` on CKAN's job queue. The job reads the stored file twice: the first pass
finds the header, the column names and types and every problem (encoding, ragged rows,
bad headers); only when the whole file passed does the second pass replace the resource's
DataStore table, in batches. A file that cannot be loaded leaves the previous table as it
was. The outcome is kept in Redis per resource (`status`), in Chinese and Beijing time.

Column ids are the header texts, trimmed: they are the catalog's 信息项 names, which grants
will name when they share columns. Types are inferred conservatively: a column is a number
only when every value is one, none has a leading zero and none has more than
MAX_NUMBER_DIGITS digits before the decimal point, and its header does not name a code or a
number such as a telephone (CODE_HEADER): administrative codes (140213001), telephone and ID
numbers stay text. Dates are ISO or Chinese text (2026-01-05, 2026/1/5, 2026年1月5日).
DataStore types used: int (int4), numeric, date, timestamp and text.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import decimal
import io
import json
import logging
import os
import re
import warnings
from typing import Any, BinaryIO, Callable, Iterable, Iterator

import openpyxl

import ckan.plugins.toolkit as tk
from ckan.lib import uploader
from ckan.lib.redis import connect_to_redis
from ckanext.datastore.backend import DatastoreBackend

from ckanext.datong import clock
from ckanext.datong import config as datong_config
from ckanext.datong.workbook import reader

log = logging.getLogger(__name__)

QUEUED, LOADING, LOADED, FAILED = "排队中", "导入中", "已导入", "失败"
FORMATS = ("CSV", "TSV", "XLSX")  # resource formats loaded,
EXTENSIONS = (".csv", ".tsv", ".xlsx")  # and file names loaded whatever the format says
DELIMITERS = (",", "\t", ";", "|")  # a CSV's delimiter: the one its header line uses most
MAX_NUMBER_DIGITS = 8  # more digits before the decimal point: a code, kept as text
CODE_HEADER = re.compile(r"代码|编码|编号|号码|电话|手机|身份证|证件|证号|邮编|账号|帐号|卡号|工号"
                         r"|(?<![a-z])id(?![a-z])|code", re.IGNORECASE)
MAX_NAME_BYTES = 63  # PostgreSQL's limit for a column name (21 Chinese characters)
SAMPLE = 64 * 1024  # bytes read to tell a file's kind
CHUNK = 1024 * 1024
MIN_COMMON_CHINESE = 0.8  # share of GB2312 characters in text read as GB18030

_UNREADABLE = "Excel 工作簿无法读取：文件可能已损坏或不完整，请在 Excel 或 WPS 中打开并重新保存为 .xlsx 后再上传"
_NUMBER = re.compile(r"[+-]?(\d+)(\.\d+)?")
_DATE = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日)"
                   r"(?:[ T]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?")

Rows = Iterator[tuple[int, list[str]]]
"""(row number in the file, cell texts) of every row, blank ones included."""


class LoadError(Exception):
    """The file cannot be loaded; the message says why, in Chinese."""


# --------------------------------------------------------------------------- status


def _key(resource_id: str) -> str:
    return f"ckan:{tk.config['ckan.site_id']}:datong:datastore-load:{resource_id}"


def status(resource_id: str) -> dict[str, Any] | None:
    """The last load of the resource: state (排队中/导入中/已导入/失败), message (what people
    read), error, rows, time (Beijing), signature of the file it concerns, and `previous`
    (rows and time of the last successful load); None when the resource was never queued."""
    raw = connect_to_redis().get(_key(resource_id))
    return json.loads(raw) if raw else None


def _save(resource_id: str, **changes: Any) -> dict[str, Any]:
    record = status(resource_id) or {"resource_id": resource_id, "previous": None}
    record.update(changes, time=clock.beijing_text(clock.now()), updated=clock.now().isoformat())
    connect_to_redis().set(_key(resource_id), json.dumps(record, ensure_ascii=False))
    return record


def _fail(resource_id: str, error: str, signature: str | None = None) -> None:
    kept = DatastoreBackend.get_active_backend().resource_exists(resource_id)
    previous = (status(resource_id) or {}).get("previous")
    note = "；数据存储中仍是原有的数据表" if kept else ""
    if kept and previous:
        note = f"；数据存储中仍是{previous['time']}导入的 {previous['rows']} 行"
    _save(resource_id, state=FAILED, signature=signature, error=error, message=f"导入失败：{error}{note}")


# --------------------------------------------------------------------------- queueing


def loadable(resource: dict[str, Any]) -> bool:
    """Whether the resource is an uploaded CSV, TSV or XLSX file (by format or file name)."""
    if resource.get("url_type") != "upload":
        return False
    extension = os.path.splitext((resource.get("url") or "").lower())[1]
    return (resource.get("format") or "").upper() in FORMATS or extension in EXTENSIONS


def _path(resource: dict[str, Any]) -> str:
    return uploader.get_resource_uploader(dict(resource)).get_path(resource["id"])


def file_signature(path: str) -> str | None:
    """Size and modification time of the stored file (a new upload changes both), or None."""
    try:
        return _signature(os.stat(path))
    except OSError:
        return None


def _signature(stat: os.stat_result) -> str:
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def on_resource_saved(resource: dict[str, Any]) -> None:
    """Queue the load of a resource whose uploaded table is new or replaced.

    Saving the resource again with the same file (a metadata edit, or the DataStore marking it
    datastore_active) queues nothing: the file's signature is the one already recorded.
    """
    if not loadable(resource):
        return
    signature = file_signature(_path(resource))
    current = status(resource["id"])
    if signature is None or (current and current.get("signature") == signature):
        return
    _save(resource["id"], state=QUEUED, signature=signature, error=None, rows=0,
          message="已排队，等待导入数据存储")
    tk.enqueue_job(load, [resource["id"]], title=f"数据存储导入 {resource['id']}",
                   rq_kwargs={"timeout": datong_config.datastore_job_timeout()})


def is_loaded(resource_id: str) -> bool:
    """Whether the DataStore holds the resource's current file, loaded successfully."""
    try:
        resource = tk.get_action("resource_show")(_context(), {"id": resource_id})
    except tk.ObjectNotFound:
        return False
    record = status(resource_id) or {}
    return (record.get("state") == LOADED
            and record.get("signature") == file_signature(_path(resource))
            and DatastoreBackend.get_active_backend().resource_exists(resource_id))


# --------------------------------------------------------------------------- the job


def _context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def load(resource_id: str) -> None:
    """The job: load the resource's uploaded file into its DataStore table, recording the
    outcome. A file that cannot be loaded is recorded as 失败 and changes nothing. Loads of
    one resource take turns (a lock in Redis), whichever worker runs them."""
    with connect_to_redis().lock(_key(resource_id) + ":lock", timeout=datong_config.datastore_job_timeout()):
        _load(resource_id)


def _load(resource_id: str) -> None:
    try:
        resource = tk.get_action("resource_show")(_context(), {"id": resource_id})
    except tk.ObjectNotFound:
        _fail(resource_id, "资源不存在或已被删除")
        return
    try:
        stream = open(_path(resource), "rb")
    except OSError:
        _fail(resource_id, "找不到上传的文件：请重新上传")
        return
    with stream:
        signature = _signature(os.fstat(stream.fileno()))
        _save(resource_id, state=LOADING, signature=signature, error=None, rows=0, message="正在读取文件")
        try:
            rows = open_rows(stream)
            plan = scan(rows())
        except LoadError as error:
            _fail(resource_id, str(error), signature)
            return
        try:
            written = _replace_table(resource_id, plan, rows)
        except Exception:
            log.exception("DataStore load of resource %s failed", resource_id)
            _save(resource_id, state=FAILED, signature=signature, error="系统错误",
                  message="导入失败：写入数据存储时发生系统错误，数据表可能不完整。请重新上传文件或联系平台管理员")
            raise
    now = clock.beijing_text(clock.now())
    _save(resource_id, state=LOADED, signature=signature, rows=written,
          previous={"rows": written, "time": now}, message=f"已导入 {written} 行、{len(plan.columns)} 列")


def _replace_table(resource_id: str, plan: Plan, rows: Callable[[], Rows]) -> int:
    """Drop the resource's table, create it with the plan's columns and insert the rows."""
    try:
        tk.get_action("datastore_delete")(_context(), {"resource_id": resource_id, "force": True})
    except tk.ObjectNotFound:
        pass
    fields = [{"id": column.name, "type": column.type} for column in plan.columns]
    tk.get_action("datastore_create")(
        _context(), {"resource_id": resource_id, "force": True, "fields": fields, "records": []})
    written = 0
    for batch, last in _batches(records(rows(), plan), datong_config.datastore_batch_rows()):
        tk.get_action("datastore_upsert")(
            _context(), {"resource_id": resource_id, "force": True, "method": "insert",
                         "records": batch, "calculate_record_count": last})
        written += len(batch)
        _save(resource_id, rows=written, message=f"正在导入：已写入 {written} / {plan.rows} 行")
    return written


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[tuple[list[dict[str, Any]], bool]]:
    """Lists of `size` items, each with whether it is the last."""
    batch: list[dict[str, Any]] = []
    for item in items:
        if len(batch) == size:
            yield batch, False
            batch = []
        batch.append(item)
    yield batch, True


# --------------------------------------------------------------------------- reading files


def open_rows(stream: BinaryIO) -> Callable[[], Rows]:
    """A function giving the file's rows afresh on every call, read from `stream` (the open
    stored file, so that both passes read the same file even if a new upload replaces it).
    The kind of file is told by its content: an .xlsx named .csv is read as a workbook."""
    head = stream.read(SAMPLE)
    size = stream.seek(0, io.SEEK_END)
    if not head:
        raise LoadError("文件是空的（0 字节）")
    if size > datong_config.datastore_max_file_bytes():
        raise LoadError(f"文件有 {size / 1024 / 1024:.1f} MB，超过数据存储导入的上限 "
                        f"{datong_config.datastore_max_file_bytes() // 1024 // 1024} MB（文件仍可下载）")
    if head.startswith(reader.ZIP_MAGIC):
        return lambda: _sheet_rows(stream)
    if head.startswith(reader.OLE_MAGIC):
        raise LoadError(reader.not_a_workbook(head) or "文件不是 CSV 表格或 Excel 工作簿（.xlsx）")
    if head.startswith(b"%PDF"):
        raise LoadError("这是 PDF 文件，不是 CSV 表格或 Excel 工作簿（.xlsx）")
    encoding = text_encoding(stream, head)
    delimiter = _delimiter(stream, encoding)
    return lambda: _text_rows(stream, encoding, delimiter)


def text_encoding(stream: BinaryIO, head: bytes) -> str:
    """The encoding of a text file: a BOM, else UTF-8 when the whole file decodes as UTF-8,
    else GB18030 (which GBK and GB2312 are part of) when the file decodes as such and reads
    as Chinese text.

    charset-normalizer is not asked: on short Chinese tables it takes GBK for Big5 or
    Japanese encodings, and it accepts random bytes as GB18030.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise LoadError("文件不是文本表格（CSV/TSV），也不是 Excel 工作簿（.xlsx）：其中含有二进制内容")
    if _decodes(stream, "utf-8"):
        return "utf-8"
    if _decodes(stream, "gb18030") and _reads_as_chinese(stream):
        return "gb18030"
    raise LoadError("无法识别文件的文字编码：平台接受 UTF-8、GBK 或 GB18030 编码的 CSV 文件。"
                    "请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”后重新上传")


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    stream.seek(0)
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _reads_as_chinese(stream: BinaryIO) -> bool:
    """Whether the non-ASCII text of the file's first megabyte, read as GB18030, is mostly
    common Chinese (GB2312): Latin-1 text or binary data read as GB18030 is not."""
    stream.seek(0)
    text = stream.read(CHUNK).decode("gb18030", errors="ignore")
    wide = [char for char in text if ord(char) > 0x7F]
    common = sum(1 for char in wide if _in_gb2312(char))
    return not wide or common >= MIN_COMMON_CHINESE * len(wide)


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _text(stream: BinaryIO, encoding: str, errors: str) -> io.TextIOWrapper:
    """The stream from its start as text (detach it after use: closing it closes the file)."""
    stream.seek(0)
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")


def _delimiter(stream: BinaryIO, encoding: str) -> str:
    """The delimiter the header line uses most (a comma when it uses none)."""
    text = _text(stream, encoding, "replace")
    try:
        line = next((line for line in text if line.strip()), "")
    finally:
        text.detach()
    counts = {delimiter: line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _text_rows(stream: BinaryIO, encoding: str, delimiter: str) -> Rows:
    text = _text(stream, encoding, "strict")
    rows = csv.reader(text, delimiter=delimiter)
    try:
        for cells in rows:
            yield rows.line_num, [cell.strip() for cell in cells]
    except UnicodeDecodeError:
        raise LoadError(f"文件第 {rows.line_num + 1} 行附近含有按 {encoding.upper()} 无法解码的内容："
                        "文件可能已损坏，或混用了不同的文字编码") from None
    except csv.Error:
        raise LoadError(f"文件第 {rows.line_num} 行附近无法按 CSV 格式读取"
                        "（例如引号不成对、某个值过长或含有二进制内容）") from None
    finally:
        text.detach()


def _sheet_rows(stream: BinaryIO) -> Rows:
    """The rows of the workbook's first worksheet."""
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on broken archives and XML
        raise LoadError(_UNREADABLE) from None
    try:
        if not book.worksheets:
            raise LoadError("工作簿中没有工作表")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the file's own <dimension> may be wrong
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [cell_text(value) for value in values]
        except Exception:  # broken cell XML surfaces as many kinds of errors
            raise LoadError(_UNREADABLE) from None
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A workbook cell as text: whole numbers without a decimal point, other numbers
    without an exponent, dates as YYYY-MM-DD (with the time when there is one), booleans as
    是/否, Excel's error values (#N/A …) as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(decimal.Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    text = str(value).strip()
    return "" if text in reader.EXCEL_ERRORS else text


# --------------------------------------------------------------------------- columns and types


@dataclasses.dataclass(frozen=True)
class Column:
    """A DataStore column: its id (the header text), its position in the rows and its type."""

    name: str
    index: int
    type: str


@dataclasses.dataclass(frozen=True)
class Plan:
    """What the first pass found: the header's row number, the columns and the data rows."""

    header_row: int
    columns: list[Column]
    rows: int


class _Guess:
    """The types every value of a column seen so far fits."""

    def __init__(self) -> None:
        self.kinds = {"int", "numeric", "date", "timestamp"}
        self.seen = False

    def see(self, text: str) -> None:
        self.seen = True
        if self.kinds:
            self.kinds &= value_kinds(text)

    def type(self, name: str) -> str:
        if not self.seen or CODE_HEADER.search(name):
            return "text"
        return next((kind for kind in ("int", "numeric", "date", "timestamp") if kind in self.kinds), "text")


def value_kinds(text: str) -> set[str]:
    """The DataStore types one value fits (none: text only)."""
    number = _NUMBER.fullmatch(text)
    if number:
        whole = number.group(1)
        if len(whole) > MAX_NUMBER_DIGITS or (len(whole) > 1 and whole.startswith("0")):
            return set()
        return {"numeric"} if number.group(2) else {"int", "numeric"}
    moment = parse_moment(text)
    if moment is None:
        return set()
    return {"timestamp"} if isinstance(moment, datetime.datetime) else {"date", "timestamp"}


def parse_moment(text: str) -> datetime.date | datetime.datetime | None:
    """A date (2026-01-05, 2026/1/5, 2026.1.5, 2026年1月5日), optionally followed by a time
    (08:30 or 08:30:15), or None."""
    found = _DATE.fullmatch(text)
    if not found:
        return None
    year, _, month, day, cn_month, cn_day, hour, minute, second = found.groups()
    try:
        date = datetime.date(int(year), int(month or cn_month), int(day or cn_day))
        if hour is None:
            return date
        return datetime.datetime.combine(date, datetime.time(int(hour), int(minute), int(second or 0)))
    except ValueError:
        return None


def scan(rows: Rows) -> Plan:
    """The first pass: header, columns and their types, the number of data rows; LoadError
    for a file without a header or data, ragged rows and unusable headers."""
    header_row, header = next(((number, cells) for number, cells in rows if any(cells)), (0, []))
    if not header:
        raise LoadError("文件中没有任何内容")
    width = len(header)
    guesses = [_Guess() for _ in header]
    count = 0
    for number, cells in rows:
        if not any(cells):
            continue
        if any(cells[width:]):
            raise LoadError(f"第 {number} 行有 {len(cells)} 个值，多于表头（第 {header_row} 行）的 {width} 列："
                            "请检查该行是否多了分隔符，或值中的逗号未加引号")
        count += 1
        for guess, cell in zip(guesses, cells):
            if cell:
                guess.see(cell)
    if not count:
        raise LoadError(f"文件只有表头（第 {header_row} 行），没有数据行")
    names = column_names(header, [guess.seen for guess in guesses])
    problems = [problem for name in names if name and (problem := name_problem(name))]
    if problems:
        raise LoadError(f"表头（第 {header_row} 行）无法用作数据存储的列名：" + "；".join(problems))
    columns = [Column(name, index, guess.type(name))
               for index, (name, guess) in enumerate(zip(names, guesses)) if name]
    return Plan(header_row, columns, count)


def column_names(header: list[str], has_data: list[bool]) -> list[str | None]:
    """The column ids: the header texts; a blank header over data becomes 列N (N its position),
    a repeated one gets _2, _3 … (never a name another header has); a blank header over no
    data at all is no column (None)."""
    given = {text for text in header if text}
    used: set[str] = set()
    names: list[str | None] = []
    for position, (text, filled) in enumerate(zip(header, has_data), start=1):
        if not text and not filled:
            names.append(None)
            continue
        base = name = text or f"列{position}"
        suffix = 2
        while name in used or (name != text and name in given):
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        names.append(name)
    return names


def name_problem(name: str) -> str | None:
    """Why the DataStore cannot take `name` as a column id."""
    if name.startswith("_"):
        return f"“{name}”以下划线开头"
    if '"' in name:
        return f"“{name}”含有英文双引号"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"“{name}”过长（最多 {MAX_NAME_BYTES} 字节，约 21 个汉字）"
    return None


def records(rows: Rows, plan: Plan) -> Iterator[dict[str, Any]]:
    """The second pass: each data row as a DataStore record of typed values."""
    rows = iter(rows)
    for number, _ in rows:
        if number == plan.header_row:
            break
    for _, cells in rows:
        if any(cells):
            yield {column.name: _value(cells[column.index] if column.index < len(cells) else "", column.type)
                   for column in plan.columns}


def _value(text: str, kind: str) -> Any:
    if not text:
        return None
    if kind == "int":
        return int(text)
    if kind in ("date", "timestamp"):
        moment = parse_moment(text)
        assert moment is not None  # the first pass found every value of the column a date
        if kind == "timestamp" and not isinstance(moment, datetime.datetime):
            moment = datetime.datetime.combine(moment, datetime.time(0))
        return moment.isoformat()
    return text
