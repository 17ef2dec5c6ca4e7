"""The registry chain: every event of every registration record is an immutable row of
datong_registration_version, SM3-hashed (GB/T 32905) over its record's previous row, the
registry's previous row and its own canonical content.

Canonical form. A row's hash is the lowercase SM3 hex digest of the UTF-8 bytes of

    prev_record_hash + prev_registry_hash + canonical_json(fields)

where `prev_record_hash` is the hash of the same record's previous row (64 zeros for its
first row), `prev_registry_hash` the hash of the row with seq − 1 (64 zeros for seq 1), and
`fields` the object of exactly the keys of HASHED: seq, registration_id, record_seq,
version, reg_type, event, state, code (null before 赋码), content (the record's full content
after the event, as stored), actor_name ("" for the system), reason and occurred (UTC ISO
8601 with microseconds and "+00:00", e.g. 2026-12-03T08:00:00.123456+00:00).
canonical_json is sharing.audit.canonical_json: json.dumps with sort_keys=True,
ensure_ascii=False, separators=(",", ":"). Content values are strings, integers, booleans,
null, lists and objects (no floats), so the stored jsonb gives back exactly what was hashed.

Verification walks the rows by seq and reports rows changed (hash mismatch), deleted (a gap
in seq or in a record's record_seq, or a record without rows) and inserted (a prev hash that
does not match its predecessor, a duplicate record_seq), and a record whose current state,
code, version or content differ from its last row (the record itself edited in the
database). As with the audit log, deleting the newest rows or rewriting the whole tail with
fresh hashes can only be seen against a head hash recorded elsewhere (`expect_head`).
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Callable, Iterator, Mapping, Optional

import ckan.model as model
import sqlalchemy as sa

from ckanext.datong import locks
from ckanext.datong.model.registration import Registration, RegistrationVersion
from ckanext.datong.sharing.audit import GENESIS, canonical_json, sm3_hex, utc_text

HASHED = ("seq", "registration_id", "record_seq", "version", "reg_type", "event", "state",
          "code", "content", "actor_name", "reason", "occurred")
"""The fields a row's hash covers (with the two previous hashes)."""
LOCK_NAME = "datong_registration_version"
BATCH = 2000


def row_hash(prev_record_hash: str, prev_registry_hash: str, row: Mapping[str, Any]) -> str:
    """The hash of a row (a mapping with every HASHED field) after its two predecessors."""
    fields = {name: row[name] for name in HASHED}
    fields["occurred"] = utc_text(fields["occurred"])
    return sm3_hex((prev_record_hash + prev_registry_hash + canonical_json(fields))
                   .encode("utf-8"))


def check_content(value: Any) -> None:
    """Refuse what jsonb would not give back as written (floats)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"registration content keys must be strings: {key!r}")
            check_content(item)
    elif isinstance(value, list):
        for item in value:
            check_content(item)
    elif value is not None and not isinstance(value, (str, int)):
        raise ValueError(f"registration content values must be text, integers or null: {value!r}")


def append(record: Registration, event: str, actor_name: str, reason: str
           ) -> RegistrationVersion:
    """Append the record's current state and content as a new row, in the caller's
    transaction (flushed, not committed). Appenders take turns on a transaction lock."""
    check_content(record.content)
    locks.transaction_lock(LOCK_NAME)
    last = model.Session.execute(
        sa.select(RegistrationVersion.seq, RegistrationVersion.hash)
        .order_by(RegistrationVersion.seq.desc()).limit(1)).first()
    mine = model.Session.execute(
        sa.select(RegistrationVersion.record_seq, RegistrationVersion.hash)
        .where(RegistrationVersion.registration_id == record.id)
        .order_by(RegistrationVersion.record_seq.desc()).limit(1)).first()
    fields = dict(
        seq=(last.seq if last else 0) + 1, registration_id=record.id,
        record_seq=(mine.record_seq if mine else 0) + 1, version=record.version,
        reg_type=record.reg_type, event=event, state=record.state, code=record.code,
        content=record.content, actor_name=actor_name, reason=reason,
        occurred=datetime.datetime.now(datetime.timezone.utc))
    prev_record, prev_registry = (mine.hash if mine else GENESIS), (last.hash if last else GENESIS)
    row = RegistrationVersion(**fields, prev_record_hash=prev_record,
                              prev_registry_hash=prev_registry,
                              hash=row_hash(prev_record, prev_registry, fields))
    model.Session.add(row)
    model.Session.flush()
    return row


def history(registration_id: str) -> list[RegistrationVersion]:
    """The record's rows, oldest first."""
    return model.Session.query(RegistrationVersion).filter(
        RegistrationVersion.registration_id == registration_id
    ).order_by(RegistrationVersion.record_seq).all()


@dataclasses.dataclass
class Problem:
    """One finding: the row (seq), the record (its number or 登记编号) and version where it
    was found, and what is wrong, in Chinese."""

    seq: Optional[int]
    record: str
    record_seq: Optional[int]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Verification:
    ok: bool
    rows: int
    records: int
    head_seq: int
    head_hash: str
    problems: list[Problem]

    def summary(self) -> str:
        head = f"链头为第{self.head_seq}号版本记录，哈希 {self.head_hash}"
        if self.ok:
            return f"登记簿完整：共{self.records}项登记、{self.rows}条版本记录，{head}"
        return (f"登记簿校验未通过：共{self.records}项登记、{self.rows}条版本记录，"
                f"发现{len(self.problems)}处问题；{head}")

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "records": self.records,
                "head_seq": self.head_seq, "head_hash": self.head_hash,
                "summary": self.summary(), "problems": [p.as_dict() for p in self.problems]}


def _stream(statement: Any) -> Iterator[Any]:
    yield from model.Session.execute(
        statement.execution_options(stream_results=True, max_row_buffer=BATCH))


def verify(expect_head: Optional[str] = None,
           progress: Optional[Callable[[int], None]] = None) -> Verification:
    """Recompute every row's hash and both chains, and compare each record with its last row."""
    records = {row.id: row for row in model.Session.execute(sa.select(
        Registration.id, Registration.number, Registration.code, Registration.state,
        Registration.version, Registration.content))}
    names = {rid: (row.code or row.number) for rid, row in records.items()}
    problems: list[Problem] = []
    last: dict[str, Any] = {}
    count, previous_seq, previous_hash = 0, 0, GENESIS
    head_found = expect_head is None
    for row in _stream(sa.select(RegistrationVersion.__table__)
                       .order_by(RegistrationVersion.seq)):
        name = names.get(row.registration_id, row.registration_id)

        def found(message: str, at: Any = row) -> None:
            problems.append(Problem(at.seq, name, at.record_seq, message))

        if row.seq != previous_seq + 1:
            gap = (f"第{previous_seq + 1}号" if row.seq == previous_seq + 2
                   else f"第{previous_seq + 1}至{row.seq - 1}号")
            found(f"登记簿中{gap}版本记录缺失：记录被直接删除，或序号被改动")
        if row.prev_registry_hash != previous_hash:
            found(f"第{row.seq}号版本记录记载的登记簿前一记录哈希不符：记录被插入、替换或调换了顺序")
        mine = last.get(row.registration_id)
        expected_record_seq = (mine.record_seq if mine else 0) + 1
        if row.record_seq != expected_record_seq:
            found(f"登记{name}的第{expected_record_seq}版记录缺失或重复（此处为第{row.record_seq}版）："
                  "记录被直接删除或插入")
        if row.prev_record_hash != (mine.hash if mine else GENESIS):
            found(f"登记{name}第{row.record_seq}版记载的本登记前一版本哈希不符：记录被插入或替换")
        if row_hash(row.prev_record_hash, row.prev_registry_hash, row._mapping) != row.hash:
            found(f"登记{name}第{row.record_seq}版（第{row.seq}号版本记录）的内容与其哈希不符："
                  "记录被直接修改")
        if row.registration_id not in records:
            found(f"第{row.seq}号版本记录所属的登记 {row.registration_id} 不存在：登记被直接删除")
        last[row.registration_id] = row
        head_found = head_found or row.hash == expect_head
        count, previous_seq, previous_hash = count + 1, row.seq, row.hash
        if progress and count % BATCH == 0:
            progress(count)
    for rid, record in records.items():
        tail = last.get(rid)
        if tail is None:
            problems.append(Problem(None, names[rid], None,
                                    f"登记{names[rid]}没有任何版本记录：登记被直接插入，或其版本记录被删除"))
        elif (record.state, record.code, record.version, canonical_json(record.content)) != (
                tail.state, tail.code, tail.version, canonical_json(tail.content)):
            problems.append(Problem(tail.seq, names[rid], tail.record_seq,
                                    f"登记{names[rid]}的当前状态或内容与其最新版本记录（第{tail.record_seq}版）不符："
                                    "登记被直接修改"))
    if not head_found:
        problems.append(Problem(previous_seq, "", None,
                                "外部记录的链头哈希不在登记簿中：最新的版本记录可能被删除，或登记簿被整体改写"))
    return Verification(ok=not problems, rows=count, records=len(records), head_seq=previous_seq,
                        head_hash=previous_hash, problems=problems)
