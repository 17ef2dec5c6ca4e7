"""The registration lifecycle through the actions: 申请 → 受理 → 形式审核 → 公示 → 赋码, the
refusals (核心 data, dispute, not the holder, objection upheld, registered already), returns
for correction, 变更/更正/注销 versions, and the audit events written with each step."""
from __future__ import annotations

import datetime
import re

import pytest
import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.datong import clock
from ckanext.datong.model import AuditEvent, RegistrationVersion
from ckanext.datong.registration import chain, workflow
from tests.registration.conftest import (World, end_notice, fields, issued, set_grade,
                                         to_notice)

pytestmark = pytest.mark.usefixtures("with_request_context")


def _messages(error: pytest.ExceptionInfo) -> str:
    return str(error.value.error_dict if isinstance(error.value, tk.ValidationError)
               else error.value)


def test_full_lifecycle_to_the_certificate(fresh: World) -> None:
    world = fresh
    applied = world.call("owner", "datong_registration_create",
                         **fields(world.entries["bus"]["id"]))
    assert applied["state"] == "applied" and applied["code"] is None
    assert re.fullmatch(r"DJ\d{8}0001", applied["number"])
    assert applied["content"]["catalog_code"] == world.entries["bus"]["resource_code"]
    accepted = world.call("authority", "datong_registration_accept", id=applied["id"],
                          outcome="accept")
    assert accepted["state"] == "accepted"
    notice = world.call("authority", "datong_registration_review", id=applied["id"],
                        outcome="pass")
    assert notice["state"] == "notice"
    until = datetime.date.fromisoformat(notice["notice_until"])
    assert until > clock.now().date()
    public = world.call("anonymous", "datong_registration_list", role="notice")
    assert [r["number"] for r in public["results"]] == [applied["number"]]
    with pytest.raises(tk.ValidationError) as early:
        world.call("authority", "datong_registration_issue", id=applied["id"])
    assert "公示期满后方可赋码" in _messages(early)
    end_notice(applied["id"])
    done = world.call("authority", "datong_registration_issue", id=applied["id"])
    year = clock.now().year
    assert done["state"] == "issued" and done["code"] == f"DTZC-{year}-000001"
    shown = world.call("anonymous", "datong_registration_show", id=done["code"])
    assert shown["content"]["name"] == "大同市公交刷卡客流数据资源"
    assert [row["event"] for row in shown["history"]] == ["apply", "accept", "review_pass", "issue"]
    assert shown["head_hash"] == shown["history"][-1]["hash"]
    assert chain.verify().ok
    actions = [e.action for e in model.Session.query(AuditEvent).filter(
        AuditEvent.object_id == applied["id"]).order_by(AuditEvent.seq)]
    assert actions == ["registration.apply", "registration.accept", "registration.review_pass",
                       "registration.issue"]


def test_refused_core_data_at_application_and_at_issue(fresh: World) -> None:
    world = fresh
    core = world.entries["core"]["id"]
    record = to_notice(world, core)
    set_grade(core, "核心")
    try:
        with pytest.raises(tk.ValidationError) as refused:
            world.call("owner", "datong_registration_create",
                       **fields(world.entries["core"]["id"]))
        assert "核心数据不予登记" in _messages(refused)
        end_notice(record["id"])
        done = world.call("authority", "datong_registration_issue", id=record["id"])
        assert done["state"] == "refused" and done["code"] is None
        assert "核心数据不予登记" in done["history"][-1]["reason"]
    finally:
        set_grade(core, "一般-1")


def _disputed_request(world: World, package_id: str) -> dict:
    start = clock.now().date()
    request = world.call(
        "county", "datong_request_create", entries=[{"package_id": package_id}],
        purpose="核对本县停车泊位", basis="《城市道路管理条例》", start_date=start.isoformat(),
        end_date=(start + datetime.timedelta(days=30)).isoformat(), frequency="每月",
        delivery="接口", territory="any", contact_name="李四", contact_phone="0352-6620000",
        commitment=True)
    world.call("county", "datong_request_submit", id=request["id"])
    world.call("authority", "datong_request_check", id=request["id"], outcome="reject",
               reason="依据不足")
    return world.call("county", "datong_request_dispute", id=request["id"], reason="依据充分")


def test_refused_while_the_entry_is_disputed(fresh: World) -> None:
    world = fresh
    parking = world.entries["parking"]["id"]
    record = to_notice(world, world.entries["spare"]["id"])
    disputed = _disputed_request(world, parking)
    with pytest.raises(tk.ValidationError) as refused:
        world.call("owner", "datong_registration_create", **fields(parking))
    assert f"有共享争议（申请{disputed['number']}）" in _messages(refused)
    world.call("authority", "datong_request_settle", id=disputed["id"], outcome="reject",
               reason="维持驳回")
    assert world.call("owner", "datong_registration_create", **fields(parking))["state"] == "applied"
    # an open objection to one registration puts the entry under dispute for the others
    world.call("county", "datong_registration_object", id=record["id"], reason="数据权属有争议")
    assert "有尚未处理的异议" in workflow.dispute(world.entries["spare"]["id"])
    assert workflow.dispute(world.entries["spare"]["id"], besides=record["id"]) is None


def test_refused_to_those_who_do_not_hold_the_data(fresh: World) -> None:
    world = fresh
    for role in ("other_editor", "other_dept", "county", "authority"):
        with pytest.raises(tk.ValidationError) as refused:
            world.call(role, "datong_registration_create", **fields(world.entries["bus"]["id"]))
        assert "只有持有该数据的部门" in _messages(refused), role
    for role in ("anonymous", "citizen"):
        with pytest.raises(tk.NotAuthorized):
            world.call(role, "datong_registration_create", **fields(world.entries["bus"]["id"]))


def test_an_entry_is_registered_once(fresh: World) -> None:
    world = fresh
    first = world.call("owner", "datong_registration_create", **fields(world.entries["bus"]["id"]))
    with pytest.raises(tk.ValidationError) as refused:
        world.call("owner", "datong_registration_create", **fields(world.entries["bus"]["id"]))
    assert f"已有登记（{first['number']}）" in _messages(refused)


def test_objection_upheld_refuses_and_dismissed_lets_it_continue(fresh: World) -> None:
    world = fresh
    record = to_notice(world, world.entries["bus"]["id"])
    with pytest.raises(tk.NotAuthorized):
        world.call("owner", "datong_registration_object", id=record["id"], reason="本单位")
    with pytest.raises(tk.ValidationError) as no_reason:
        world.call("citizen", "datong_registration_object", id=record["id"], reason=" ")
    assert "必须填写理由" in _messages(no_reason)
    objected = world.call("citizen", "datong_registration_object", id=record["id"],
                          reason="该数据由本公司采集，权属有争议")
    first = objected["objections"][0]
    assert first["state"] == "open" and first["reason"] == "该数据由本公司采集，权属有争议"
    assert "reason" not in world.call("anonymous", "datong_registration_show",
                                      id=record["id"])["objections"][0]
    end_notice(record["id"])
    with pytest.raises(tk.ValidationError) as waiting:
        world.call("authority", "datong_registration_issue", id=record["id"])
    assert "尚有未处理的异议" in _messages(waiting)
    dismissed = world.call("authority", "datong_registration_settle", id=record["id"],
                           objection_id=first["id"], outcome="dismiss", reason="权属清晰")
    assert dismissed["state"] == "notice" and dismissed["objections"][0]["state"] == "dismissed"
    second = world.call("county", "datong_registration_object", id=record["id"],
                        reason="县里也在采集")["objections"][1]
    upheld = world.call("authority", "datong_registration_settle", id=record["id"],
                        objection_id=second["id"], outcome="uphold", reason="权属确有争议")
    assert upheld["state"] == "refused"
    with pytest.raises(tk.NotAuthorized, match="未找到该登记"):
        world.call("anonymous", "datong_registration_show", id=record["id"])
    assert chain.verify().ok


def test_return_for_correction_and_resubmit(fresh: World) -> None:
    world = fresh
    record = world.call("owner", "datong_registration_create", **fields(world.entries["bus"]["id"]))
    world.call("authority", "datong_registration_accept", id=record["id"], outcome="accept")
    with pytest.raises(tk.ValidationError):
        world.call("authority", "datong_registration_review", id=record["id"], outcome="return")
    world.call("authority", "datong_registration_review", id=record["id"], outcome="return",
               reason="来源依据不完整")
    corrected = world.call("owner", "datong_registration_update", id=record["id"],
                           **{k: v for k, v in fields(world.entries["bus"]["id"],
                                                      source_basis="补充：市政府令第5号").items()
                              if k != "package_id"})
    assert corrected["state"] == "applied"
    assert corrected["content"]["source_basis"] == "补充：市政府令第5号"
    assert [r["event"] for r in corrected["history"]] == ["apply", "accept", "review_return",
                                                          "resubmit"]
    refused = world.call("authority", "datong_registration_accept", id=record["id"],
                         outcome="refuse", reason="不属于登记范围")
    assert refused["state"] == "refused"


def test_change_correction_and_cancellation_versions(fresh: World) -> None:
    world = fresh
    record = issued(world, world.entries["bus"]["id"])
    changed_fields = {k: v for k, v in fields(world.entries["bus"]["id"],
                                              holder_operation="大同市数据集团有限公司").items()
                      if k != "package_id"}
    with pytest.raises(tk.NotAuthorized):
        world.call("other_editor", "datong_registration_change", id=record["id"],
                   reg_type="change", reason="经营主体变更", **changed_fields)
    changing = world.call("owner", "datong_registration_change", id=record["id"],
                          reg_type="change", reason="经营主体变更", **changed_fields)
    assert changing["state"] == "changing" and changing["version"] == 1
    assert changing["pending"]["content"]["holder_operation"] == "大同市数据集团有限公司"
    changed = world.call("authority", "datong_registration_change_review", id=record["id"],
                         outcome="approve")
    assert (changed["state"], changed["version"], changed["reg_type"]) == ("issued", 2, "change")
    assert changed["content"]["holder_operation"] == "大同市数据集团有限公司"
    assert changed["code"] == record["code"]
    corrected = world.call("owner", "datong_registration_change", id=record["id"],
                           reg_type="correction", reason="规模填写有误",
                           **{**changed_fields, "scale": "约1300万条记录"})
    rejected = world.call("authority", "datong_registration_change_review", id=corrected["id"],
                          outcome="reject", reason="未提供依据")
    assert (rejected["state"], rejected["version"]) == ("issued", 2)
    assert rejected["content"]["scale"] == "约1200万条记录"
    world.call("owner", "datong_registration_change", id=record["id"], reg_type="cancellation",
               reason="数据资源已停止采集")
    cancelled = world.call("authority", "datong_registration_change_review", id=record["id"],
                           outcome="approve")
    assert (cancelled["state"], cancelled["version"], cancelled["reg_type_label"]) == (
        "cancelled", 3, "注销登记")
    rows = [(r["event"], r["version"]) for r in cancelled["history"]]
    assert rows[-6:] == [("file_change", 1), ("change_approve", 2), ("file_change", 2),
                         ("change_reject", 2), ("file_change", 2), ("change_approve", 3)]
    assert chain.verify().ok
    # a cancelled entry may be registered anew
    assert world.call("owner", "datong_registration_create",
                      **fields(world.entries["bus"]["id"]))["state"] == "applied"


def test_each_row_chains_to_the_record_and_the_registry(fresh: World) -> None:
    world = fresh
    first = world.call("owner", "datong_registration_create", **fields(world.entries["bus"]["id"]))
    second = world.call("owner", "datong_registration_create",
                        **fields(world.entries["taxi"]["id"], name="出租车运营数据资源"))
    world.call("authority", "datong_registration_accept", id=first["id"], outcome="accept")
    rows = model.Session.query(RegistrationVersion).order_by(RegistrationVersion.seq).all()
    assert [r.registration_id for r in rows] == [first["id"], second["id"], first["id"]]
    assert rows[0].prev_record_hash == rows[0].prev_registry_hash == "0" * 64
    assert rows[1].prev_record_hash == "0" * 64 and rows[1].prev_registry_hash == rows[0].hash
    assert rows[2].prev_record_hash == rows[0].hash and rows[2].prev_registry_hash == rows[1].hash
    recomputed = chain.sm3_hex((rows[2].prev_record_hash + rows[2].prev_registry_hash +
                                chain.canonical_json({
                                    **{k: getattr(rows[2], k) for k in chain.HASHED},
                                    "occurred": chain.utc_text(rows[2].occurred)})).encode())
    assert recomputed == rows[2].hash
