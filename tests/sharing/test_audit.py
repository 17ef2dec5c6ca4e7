"""The audit log (ckanext.datong.sharing.audit): the SM3 chain, tampering found by verify,
concurrent appenders, the CSV export, and who sees what through the actions."""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import re
import threading
import time
import uuid
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
import ckan.plugins.toolkit as tk
from ckan import model, plugins
from ckan.tests import helpers

from ckanext.datong import clock
from ckanext.datong.logic.auth import audit as audit_auth
from ckanext.datong.model.audit import AuditEvent
from ckanext.datong.sharing import audit
from tests import factories, worlds

ABC_DIGEST = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
"""SM3("abc"), GB/T 32905-2016 appendix A."""


@pytest.fixture(scope="module")
def city(reset_db) -> Iterator[worlds.City]:
    plugins.load_all()
    reset_db()
    yield worlds.city("audit", worlds.Offices(owner="大同市交通运输局", other_dept="大同市民政局",
                                              county="广灵县人民政府办公室", county_region="140223"),
                      token_name="audit-tests")
    plugins.unload_all()


@pytest.fixture(autouse=True)
def empty_log(city: worlds.City) -> None:
    model.Session.execute("TRUNCATE datong_audit_event")
    model.Session.commit()


def user(city: worlds.City, role: str) -> model.User:
    return model.User.get(city.users[role]["name"])


def append_chain(city: worlds.City, count: int = 5) -> list[AuditEvent]:
    """`count` committed events of one request and its grant, by the county official."""
    actions = ["request.created", "request.submitted", "request.checked", "request.approved",
               "grant.issued", "grant.used", "grant.revoked"]
    events = [audit.append(action=actions[number % len(actions)], object_type="request",
                           object_id="req-1", actor=user(city, "county"),
                           provider_org_id=city.orgs["owner"]["id"],
                           requester_org_id=city.orgs["county"]["id"],
                           detail={"意见": f"第{number}步", "items": ["线路名称"], "n": number})
              for number in range(count)]
    model.Session.commit()
    return events


def execute(sql: str, **params: Any) -> None:
    """A direct change to the table, as someone with database access would make it."""
    model.Session.execute(sa.text(sql), params)
    model.Session.commit()


def test_sm3_backends_give_the_standard_digest(capsys: Any) -> None:
    payload = ("0" * 64 + json.dumps({"detail": {"说明": "使用授权数据" * 10}, "seq": 1},
                                      ensure_ascii=False)).encode("utf-8")[:400]
    assert audit._openssl_sm3(b"abc") == audit._gmssl_sm3(b"abc") == ABC_DIGEST
    assert audit._openssl_sm3(payload) == audit._gmssl_sm3(payload)
    timings = {}
    for name, digest in (("openssl", audit._openssl_sm3), ("gmssl", audit._gmssl_sm3)):
        started = time.perf_counter()
        for _ in range(50):
            digest(payload)
        timings[name] = (time.perf_counter() - started) / 50 * 1000
    with capsys.disabled():
        print(f"\nSM3 of a 400-byte event: OpenSSL {timings['openssl']:.4f} ms, "
              f"gmssl {timings['gmssl']:.2f} ms (in use: {audit.sm3_hex.__name__})")


def test_a_chain_of_events_verifies(city: worlds.City) -> None:
    events = append_chain(city)
    assert [event.seq for event in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == audit.GENESIS
    assert [event.prev_hash for event in events[1:]] == [event.hash for event in events[:-1]]
    result = audit.verify()
    assert result.ok and result.problems == []
    assert (result.events, result.head_seq, result.head_hash) == (5, 5, events[-1].hash)
    assert "审计日志完整" in result.summary()


def test_the_hash_follows_the_documented_recipe(city: worlds.City) -> None:
    """Anyone can recompute a hash with hashlib and json alone."""
    event = append_chain(city, 1)[0]
    fields = {
        "seq": 1, "occurred": event.occurred.astimezone(datetime.timezone.utc).isoformat(
            timespec="microseconds"),
        "actor_user_id": event.actor_user_id, "actor_name": city.users["county"]["name"],
        "action": "request.created", "object_type": "request", "object_id": "req-1",
        "package_id": None, "provider_org_id": city.orgs["owner"]["id"],
        "requester_org_id": city.orgs["county"]["id"], "row_count": None,
        "detail": {"意见": "第0步", "items": ["线路名称"], "n": 0}}
    text = "0" * 64 + json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.new("sm3", text.encode("utf-8")).hexdigest() == event.hash


def test_a_row_edited_in_the_database_is_named_by_seq(city: worlds.City) -> None:
    append_chain(city)
    execute("UPDATE datong_audit_event SET detail = '{\"意见\": \"同意\"}' WHERE seq = 3")
    result = audit.verify()
    assert not result.ok
    assert result.problems == [(3, "第3号事件的内容与其哈希不符：记录被直接修改")]
    assert "发现1处问题" in result.summary()


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(city: worlds.City) -> None:
    append_chain(city)
    execute("UPDATE datong_audit_event SET row_count = 0 WHERE seq = 3")
    row = model.Session.execute(sa.select(AuditEvent.__table__).where(AuditEvent.seq == 3)).first()
    execute("UPDATE datong_audit_event SET hash = :hash WHERE seq = 3",
            hash=audit.event_hash(row.prev_hash, row._mapping))
    assert [seq for seq, _ in audit.verify().problems] == [4]


def test_a_middle_row_deleted_in_the_database_is_found(city: worlds.City) -> None:
    append_chain(city)
    execute("DELETE FROM datong_audit_event WHERE seq = 3")
    result = audit.verify()
    assert not result.ok and result.events == 4
    assert result.problems == [(3, "第3号事件缺失：记录被直接删除，或序号被改动")]


def test_rows_swapped_in_the_database_are_found(city: worlds.City) -> None:
    append_chain(city)
    execute("UPDATE datong_audit_event SET seq = seq + 100 WHERE seq IN (2, 3)")
    execute("UPDATE datong_audit_event SET seq = CASE seq WHEN 102 THEN 3 ELSE 2 END WHERE seq > 100")
    assert {seq for seq, _ in audit.verify().problems} == {2, 3, 4}


def test_deleting_the_newest_events_needs_a_head_recorded_elsewhere(city: worlds.City) -> None:
    events = append_chain(city)
    recorded = events[3].hash
    assert audit.verify(expect_head=recorded).ok  # later events may follow the recorded head
    execute("DELETE FROM datong_audit_event WHERE seq >= 4")
    assert audit.verify().ok  # invisible from inside the table
    result = audit.verify(expect_head=recorded)
    assert not result.ok and result.problems[0][1].startswith("外部记录的链头哈希不在日志中")


def test_append_refuses_unknown_actions_and_floats(city: worlds.City) -> None:
    with pytest.raises(ValueError):
        audit.append(action="request.teleported", object_type="request", object_id="r")
    with pytest.raises(ValueError):
        audit.append(action="grant.used", object_type="grant", object_id="g", detail={"ratio": 0.5})
    model.Session.rollback()


def test_concurrent_appenders_take_turns(city: worlds.City) -> None:
    barrier, errors, backends = threading.Barrier(2), [], set()

    def appender(name: str) -> None:
        try:
            # the transaction this opens holds the thread's connection until its first commit,
            # so at the barrier both threads hold a connection of their own
            backends.add(model.Session.execute(sa.text("SELECT pg_backend_pid()")).scalar())
            barrier.wait()
            for number in range(25):
                audit.append(action="grant.used", object_type="grant", object_id=f"{name}-{number}",
                             row_count=number)
                time.sleep(0.002)  # hold the lock a little, as a real transaction would
                model.Session.commit()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=appender, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(backends) == 2  # two sessions on two connections
    seqs = [seq for (seq,) in model.Session.execute(sa.select(AuditEvent.seq).order_by(AuditEvent.seq))]
    assert seqs == list(range(1, 51))
    assert audit.verify().ok


def test_csv_export_has_chinese_headers_and_beijing_times(city: worlds.City) -> None:
    sysadmin = city.users["sysadmin"]
    entry = helpers.call_action("package_create", context={"user": sysadmin["name"]},
                                **factories.entry(title="公交线路审计测试", name="audit-bus-lines",
                                                  owner_org=city.orgs["owner"]["id"]))
    events = [
        audit.append(action="request.approved", object_type="request", object_id="req-9",
                     actor=user(city, "authority"), package_id=entry["id"],
                     provider_org_id=city.orgs["owner"]["id"],
                     requester_org_id=city.orgs["county"]["id"], detail={"意见": "同意共享"}),
        audit.append(action="grant.expired", object_type="grant", object_id="=1+1",
                     package_id=entry["id"], row_count=120),
    ]
    model.Session.commit()
    text = "".join(audit.csv_lines(audit.Filters(package_id=entry["id"])))
    assert text.startswith(audit.BOM)
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == ["时间", "操作人", "操作", "对象类型", "对象", "数据目录", "提供部门", "申请单位",
                        "行数", "详情", "哈希"]
    approved, expired = table[1:]
    beijing = events[0].occurred.astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    assert approved == [beijing, city.users["authority"]["name"], "批准", "共享申请", "req-9",
                        "公交线路审计测试", "大同市交通运输局", "广灵县人民政府办公室", "",
                        '{"意见":"同意共享"}', events[0].hash]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", expired[0])
    assert expired[1:5] == ["系统", "授权到期", "授权", "'=1+1"]  # never a formula in Excel
    assert expired[8] == "120"


@pytest.fixture
def two_events(city: worlds.City) -> list[AuditEvent]:
    """A request of the county to the owning department, and one between other departments."""
    orgs = city.orgs
    events = [
        audit.append(action="request.submitted", object_type="request", object_id="req-county",
                     actor=user(city, "county"), provider_org_id=orgs["owner"]["id"],
                     requester_org_id=orgs["county"]["id"]),
        audit.append(action="grant.used", object_type="grant", object_id="grant-other",
                     provider_org_id=orgs["other_dept"]["id"], row_count=7),
    ]
    model.Session.commit()
    return events


def listed(city: worlds.City, role: str, **params: Any) -> dict[str, Any]:
    return helpers.call_action("datong_audit_list", context=city.context(role), **params)


@pytest.mark.parametrize("role, seen", [
    ("authority", ["grant-other", "req-county"]), ("sysadmin", ["grant-other", "req-county"]),
    ("owner", ["req-county"]), ("county", ["req-county"]), ("other_dept", ["grant-other"]),
])
def test_who_sees_which_events(city: worlds.City, two_events: list[AuditEvent], role: str,
                               seen: list[str]) -> None:
    answer = listed(city, role)
    assert answer["count"] == len(seen)
    assert [event["object_id"] for event in answer["results"]] == seen  # newest first


@pytest.mark.parametrize("role", ["anonymous", "citizen"])
def test_anonymous_and_citizens_are_refused(city: worlds.City, two_events: list[AuditEvent],
                                            role: str) -> None:
    with pytest.raises(tk.NotAuthorized, match=audit_auth.LIST_MESSAGE):
        listed(city, role)
    with pytest.raises(tk.NotAuthorized, match=audit_auth.VERIFY_MESSAGE):
        helpers.call_action("datong_audit_verify", context=city.context(role))


def test_listed_events_in_beijing_time_with_chinese_labels(city: worlds.City,
                                                           two_events: list[AuditEvent]) -> None:
    event = listed(city, "authority", action="request.submitted")["results"][0]
    assert event["action_label"] == "提交申请"
    assert event["occurred"].endswith("+08:00")
    assert datetime.datetime.fromisoformat(event["occurred"]) == two_events[0].occurred
    assert event["hash"] == two_events[0].hash
    assert listed(city, "authority", limit=1, offset=1)["results"][0]["object_id"] == "req-county"
    assert listed(city, "authority", object_id="grant-other")["count"] == 1
    today = clock.now().date()
    assert listed(city, "authority", since=today.isoformat(), until=today.isoformat())["count"] == 2
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert listed(city, "authority", since=tomorrow)["count"] == 0


@pytest.mark.parametrize("params, field", [
    ({"limit": 5000}, "limit"), ({"limit": "many"}, "limit"), ({"offset": -1}, "offset"),
    ({"since": "2026/12/03"}, "since"), ({"since": "2026-02-30"}, "since"),
    ({"since": "2026-12-03", "until": "2026-12-01"}, "until"), ({"action": "request.lost"}, "action"),
])
def test_bad_parameters_are_answered_in_chinese(city: worlds.City, params: dict[str, Any],
                                                field: str) -> None:
    with pytest.raises(tk.ValidationError) as raised:
        listed(city, "authority", **params)
    message = raised.value.error_dict[field][0]
    assert re.search(r"[\u4e00-\u9fff]", message), message


def test_verify_action_is_for_the_authority(city: worlds.City, two_events: list[AuditEvent]) -> None:
    answer = helpers.call_action("datong_audit_verify", context=city.context("authority"),
                                 expect_head=two_events[0].hash)
    assert answer["ok"] and answer["events"] == 2 and answer["head_hash"] == two_events[1].hash
    for role in ("owner", "county"):
        with pytest.raises(tk.NotAuthorized, match=audit_auth.VERIFY_MESSAGE):
            helpers.call_action("datong_audit_verify", context=city.context(role))
    with pytest.raises(tk.ValidationError):
        helpers.call_action("datong_audit_verify", context=city.context("authority"),
                            expect_head="not-a-hash")


def typical_event(seq: int, prev_hash: str, city: worlds.City, moment: datetime.datetime) -> dict[str, Any]:
    """A grant use of about 400 bytes as hashed."""
    event = {
        "seq": seq, "occurred": moment, "actor_user_id": str(uuid.UUID(int=seq)),
        "actor_name": "audit-county", "action": "grant.used", "object_type": "grant",
        "object_id": str(uuid.UUID(int=seq + 1)), "package_id": str(uuid.UUID(int=seq + 2)),
        "provider_org_id": city.orgs["owner"]["id"], "requester_org_id": city.orgs["county"]["id"],
        "row_count": seq % 500, "detail": {"resource_id": str(uuid.UUID(int=seq + 3)),
                                           "channel": "datastore_search", "region_code": "140223"},
        "prev_hash": prev_hash}
    event["hash"] = audit.event_hash(prev_hash, event)
    return event


def test_timings_of_append_and_of_verifying_10000_events(city: worlds.City, capsys: Any) -> None:
    county, appending, committing = user(city, "county"), 0.0, 0.0
    for number in range(200):
        started = time.perf_counter()
        audit.append(action="grant.used", object_type="grant", object_id=f"g-{number}",
                     actor=county, package_id=str(uuid.uuid4()),
                     provider_org_id=city.orgs["owner"]["id"],
                     requester_org_id=city.orgs["county"]["id"], row_count=number,
                     detail={"resource_id": str(uuid.uuid4()), "channel": "datastore_search"})
        appended = time.perf_counter()
        model.Session.commit()
        appending, committing = appending + appended - started, committing + time.perf_counter() - appended
    execute("TRUNCATE datong_audit_event")

    moment, prev_hash, batch = datetime.datetime.now(datetime.timezone.utc), audit.GENESIS, []
    sample = typical_event(1, prev_hash, city, moment)
    size = len((prev_hash + audit.canonical_json(
        {**{k: sample[k] for k in audit.HASHED}, "occurred": audit.utc_text(moment)})).encode())
    for seq in range(1, 10_001):
        event = typical_event(seq, prev_hash, city, moment + datetime.timedelta(milliseconds=seq))
        prev_hash = event["hash"]
        batch.append(event)
        if len(batch) == 2000:
            model.Session.execute(sa.insert(AuditEvent.__table__), batch)
            batch = []
    model.Session.commit()

    progress: list[int] = []
    started = time.perf_counter()
    result = audit.verify(progress=progress.append)
    seconds = time.perf_counter() - started
    assert result.ok and result.events == 10_000 and progress == [10_000]
    with capsys.disabled():
        print(f"\nappend {appending / 200 * 1000:.2f} ms, then commit {committing / 200 * 1000:.2f} ms; "
              f"verify of 10,000 events "
              f"({size}-byte hash input): {seconds:.2f} s")
