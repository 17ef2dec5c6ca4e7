"""The append-only audit log: every state change of a sharing request and every use of a
grant, each event chained to the one before it by an SM3 hash (GB/T 32905).

An event's hash is the SM3 hex digest of the UTF-8 bytes of its predecessor's hash (64 zeros
for the first event) followed by the canonical JSON (sort_keys, ensure_ascii=False, separators
"," and ":") of its HASHED fields, `occurred` written as UTC ISO text with microseconds. So
a row changed, deleted, inserted or moved directly in the database breaks the chain, and
anyone can recompute it without this code.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import hashlib
import io
import json
from typing import Any, Callable, Iterator, Mapping, Optional

import ckan.model as model
import sqlalchemy as sa
from gmssl import func as gmssl_func
from gmssl import sm3 as gmssl_sm3

from ckanext.datong import clock, locks
from ckanext.datong.model.audit import AuditEvent

GENESIS = "0" * 64
"""The prev_hash of the first event."""
LOCK_NAME = "datong_audit_event"
"""The advisory lock appenders take turns on."""
HASHED = ("seq", "occurred", "actor_user_id", "actor_name", "action", "object_type",
          "object_id", "package_id", "provider_org_id", "requester_org_id", "row_count", "detail")
"""The fields an event's hash covers (with its predecessor's hash)."""
BATCH = 2000
"""Rows fetched at a time from the server-side cursor."""
PROGRESS_EVERY = 10_000

ACTION_LABELS = {
    "request.created": "创建申请",
    "request.submitted": "提交申请",
    "request.checked": "符合性审核通过",
    "request.returned": "退回修改",
    "request.resubmitted": "重新提交申请",
    "request.withdrawn": "撤回申请",
    "request.approved": "批准",
    "request.rejected": "驳回",
    "request.disputed": "提出异议",
    "request.escalated": "超期督办",
    "grant.issued": "签发授权",
    "grant.revoked": "撤销授权",
    "grant.expired": "授权到期",
    "grant.used": "使用授权数据",
    "registration.apply": "提交登记申请",
    "registration.resubmit": "补正后重新提交登记申请",
    "registration.accept": "受理登记申请",
    "registration.not_accept": "不予受理登记申请",
    "registration.review_pass": "登记形式审核通过，进入公示",
    "registration.review_return": "登记申请退回补正",
    "registration.review_refuse": "不予登记",
    "registration.object": "对登记提出异议",
    "registration.uphold": "登记异议成立，不予登记",
    "registration.dismiss": "登记异议不成立",
    "registration.issue": "登记赋码",
    "registration.issue_refused": "赋码复核不通过，不予登记",
    "registration.file_change": "申请变更、更正或注销登记",
    "registration.change_approve": "变更、更正或注销登记审核通过",
    "registration.change_reject": "不予变更登记",
}
"""Every action the log records, with its Chinese name; append refuses any other."""
OBJECT_TYPE_LABELS = {"request": "共享申请", "grant": "授权", "registration": "数据资产登记"}

CSV_HEADERS = ("时间", "操作人", "操作", "对象类型", "对象", "数据目录", "提供部门", "申请单位",
               "行数", "详情", "哈希")
CSV_TIME = "%Y-%m-%d %H:%M:%S"
BOM = "\ufeff"
SYSTEM_ACTOR = "系统"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cell beginnings a spreadsheet would run as a formula (CSV injection)."""


def _openssl_sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def _gmssl_sm3(data: bytes) -> str:
    return gmssl_sm3.sm3_hash(gmssl_func.bytes_to_list(data))


sm3_hex: Callable[[bytes], str] = (
    _openssl_sm3 if "sm3" in hashlib.algorithms_available else _gmssl_sm3)
"""SM3 hex digest: OpenSSL's (about 5 µs for an event) where it has SM3, else gmssl's pure
Python one (about 4 ms); both give the GB/T 32905 digests."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def utc_text(moment: datetime.datetime) -> str:
    """A moment as hashed: UTC ISO text with microseconds."""
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """The hash of an event (a mapping with every HASHED field) following `prev_hash`."""
    fields = {name: event[name] for name in HASHED}
    fields["occurred"] = utc_text(fields["occurred"])
    return sm3_hex((prev_hash + canonical_json(fields)).encode("utf-8"))


def _check_detail(value: Any) -> None:
    """Refuse what jsonb would not give back as written (floats: 1e20 returns as an integer),
    so that a stored event always hashes as it was appended."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"audit detail keys must be strings: {key!r}")
            _check_detail(item)
    elif isinstance(value, list):
        for item in value:
            _check_detail(item)
    elif value is not None and not isinstance(value, (str, int)):
        raise ValueError(f"audit detail values must be strings, integers, booleans or null: {value!r}")


def _last() -> tuple[int, str]:
    """The seq and hash of the newest event (0 and GENESIS for an empty log)."""
    row = model.Session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(*, action: str, object_type: str, object_id: str, actor: Optional[model.User] = None,
           package_id: Optional[str] = None, provider_org_id: Optional[str] = None,
           requester_org_id: Optional[str] = None, row_count: Optional[int] = None,
           detail: Optional[dict[str, Any]] = None) -> AuditEvent:
    """Append an event in the caller's transaction (flushed, not committed).

    Appenders take turns on a transaction-scoped advisory lock held until the caller's
    transaction ends, so append as late in the transaction as possible. `detail` holds
    strings, integers, booleans, null, lists and objects (no floats)."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    detail = detail or {}
    _check_detail(detail)
    locks.transaction_lock(LOCK_NAME)
    last_seq, last_hash = _last()
    fields = dict(
        seq=last_seq + 1, occurred=datetime.datetime.now(datetime.timezone.utc),
        actor_user_id=actor.id if actor else None, actor_name=actor.name if actor else "",
        action=action, object_type=object_type, object_id=object_id, package_id=package_id,
        provider_org_id=provider_org_id, requester_org_id=requester_org_id,
        row_count=row_count, detail=detail)
    event = AuditEvent(**fields, prev_hash=last_hash, hash=event_hash(last_hash, fields))
    model.Session.add(event)
    model.Session.flush()
    return event


@dataclasses.dataclass
class Verification:
    """The outcome of verify: `problems` are (seq, message in Chinese naming the seq)."""

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    problems: list[tuple[int, str]]

    def summary(self) -> str:
        """One line for people."""
        head = f"链头为第{self.head_seq}号事件，哈希 {self.head_hash}"
        if self.ok:
            return f"审计日志完整：共{self.events}条事件，{head}"
        return f"审计日志校验未通过：共{self.events}条事件，发现{len(self.problems)}处问题；{head}"


def _stream(statement: Any) -> Iterator[Any]:
    """The rows of `statement` through a server-side cursor, BATCH at a time."""
    yield from model.Session.execute(
        statement.execution_options(stream_results=True, max_row_buffer=BATCH))


def _chain_problem(row: Any, previous_seq: int, previous_hash: str) -> Optional[tuple[int, str]]:
    """What is wrong with `row`'s link to the event before it, if anything."""
    expected = previous_seq + 1
    if row.seq != expected:
        missing = f"第{expected}号" if row.seq == expected + 1 else f"第{expected}至{row.seq - 1}号"
        return expected, f"{missing}事件缺失：记录被直接删除，或序号被改动"
    if row.prev_hash != previous_hash:
        return row.seq, (f"第{row.seq}号事件记载的前一事件哈希与前一事件不符："
                         "前一事件被替换，或事件被插入、调换了顺序")
    return None


def verify(expect_head: Optional[str] = None,
           progress: Optional[Callable[[int], None]] = None) -> Verification:
    """Recompute the chain in seq order, streaming (memory stays bounded at any length).

    Finds a row whose content no longer matches its hash (edited), a missing seq or a
    prev_hash that is not the previous event's hash (deleted, inserted or reordered rows).
    Deleting the newest events, or rewriting the whole chain from some event on, cannot be
    seen from inside the table: compare the head with one recorded elsewhere. `expect_head`
    is such a recorded hash; it must be the hash of some event (later events may follow).
    `progress` is called with the count every PROGRESS_EVERY events."""
    problems: list[tuple[int, str]] = []
    events, previous_seq, previous_hash, head_found = 0, 0, GENESIS, expect_head is None
    for row in _stream(sa.select(AuditEvent.__table__).order_by(AuditEvent.seq)):
        link = _chain_problem(row, previous_seq, previous_hash)
        if link:
            problems.append(link)
        if event_hash(row.prev_hash, row._mapping) != row.hash:
            problems.append((row.seq, f"第{row.seq}号事件的内容与其哈希不符：记录被直接修改"))
        head_found = head_found or row.hash == expect_head
        events, previous_seq, previous_hash = events + 1, row.seq, row.hash
        if progress and events % PROGRESS_EVERY == 0:
            progress(events)
    if not head_found:
        problems.append((previous_seq, "外部记录的链头哈希不在日志中：最新的事件可能被删除，或日志被整体改写"))
    return Verification(ok=not problems, events=events, head_seq=previous_seq,
                        head_hash=previous_hash, problems=problems)


@dataclasses.dataclass(frozen=True)
class Filters:
    """Which events to list. `since` is inclusive and `until` exclusive (aware datetimes);
    `org_ids` None means every event, else those whose provider or requester organization is
    one of them."""

    package_id: Optional[str] = None
    object_id: Optional[str] = None
    action: Optional[str] = None
    since: Optional[datetime.datetime] = None
    until: Optional[datetime.datetime] = None
    org_ids: Optional[frozenset[str]] = None


def _conditions(filters: Filters) -> list[Any]:
    conditions = [column == value for column, value in (
        (AuditEvent.package_id, filters.package_id), (AuditEvent.object_id, filters.object_id),
        (AuditEvent.action, filters.action)) if value is not None]
    if filters.since is not None:
        conditions.append(AuditEvent.occurred >= filters.since)
    if filters.until is not None:
        conditions.append(AuditEvent.occurred < filters.until)
    if filters.org_ids is not None:
        orgs = sorted(filters.org_ids)
        conditions.append(sa.or_(AuditEvent.provider_org_id.in_(orgs),
                                 AuditEvent.requester_org_id.in_(orgs)) if orgs else sa.false())
    return conditions


def count(filters: Filters) -> int:
    return model.Session.execute(
        sa.select(sa.func.count()).select_from(AuditEvent).where(*_conditions(filters))).scalar()


def rows(filters: Filters, *, newest_first: bool = False, limit: Optional[int] = None,
         offset: int = 0) -> Iterator[dict[str, Any]]:
    """The events `filters` selects, streamed in seq order (or newest first), as dicts with
    every column, `occurred` as Beijing-time ISO text and `action_label`."""
    statement = (sa.select(AuditEvent.__table__).where(*_conditions(filters))
                 .order_by(AuditEvent.seq.desc() if newest_first else AuditEvent.seq)
                 .limit(limit).offset(offset))
    for row in _stream(statement):
        event = dict(row._mapping)
        event["occurred"] = event["occurred"].astimezone(clock.BEIJING).isoformat()
        event["action_label"] = ACTION_LABELS.get(event["action"], event["action"])
        yield event


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _title(kind: str, object_id: Optional[str]) -> str:
    """The title of an entry ("package") or organization ("group"), else its id (the log
    outlives them)."""
    if not object_id:
        return ""
    table = model.Package if kind == "package" else model.Group
    title = model.Session.execute(sa.select(table.title).where(table.id == object_id)).scalar()
    return title or object_id


def _csv_values(event: Mapping[str, Any], title: Callable[[str, Optional[str]], str]) -> list[str]:
    occurred = datetime.datetime.fromisoformat(event["occurred"]).strftime(CSV_TIME)
    values = [
        occurred, event["actor_name"] or SYSTEM_ACTOR, event["action_label"],
        OBJECT_TYPE_LABELS.get(event["object_type"], event["object_type"]), event["object_id"],
        title("package", event["package_id"]), title("group", event["provider_org_id"]),
        title("group", event["requester_org_id"]), event["row_count"],
        canonical_json(event["detail"]) if event["detail"] else "", event["hash"]]
    return [_cell(value) for value in values]


def csv_lines(filters: Filters = Filters()) -> Iterator[str]:
    """The events as CSV text, line by line in seq order: a UTF-8 byte-order mark (so Excel
    reads the Chinese), Chinese headers, times in Beijing time, titles in place of ids."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Any) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    title = functools.lru_cache(maxsize=4096)(_title)
    yield BOM + line(CSV_HEADERS)
    for event in rows(filters):
        yield line(_csv_values(event, title))
