"""The sharing request's lifecycle through the action API: automatic approval by a scenario,
routing to people when a request exceeds it, immediate refusal of 不予共享 data, the
authority's check and the provider's review with working-day deadlines, return and
resubmission, withdrawal, dispute and settlement, revocation, and the audit trail."""
from __future__ import annotations

import datetime

import pytest
from ckan import model
from ckan.tests import helpers

from ckanext.datong import clock
from ckanext.datong.model import Grant
from ckanext.datong.sharing import audit, workdays
from tests import factories
from tests.sharing.conftest import World, request_fields


def filed(world: World, role: str = "county", **fields) -> dict:
    """A submitted request of `role`."""
    draft = world.call(role, "datong_request_create", **request_fields(world, **fields))
    assert draft["state"] == "draft" and draft["number"].startswith("GX")
    return world.call(role, "datong_request_submit", id=draft["id"])


def rows(world: World, role: str = "county", **params) -> dict:
    return world.call(role, "datastore_search", resource_id=world.resources["homes"]["id"],
                      **params)


def test_a_request_that_fits_an_automatic_scenario_is_approved_at_once(fresh: World):
    homes = fresh.entries["homes"]["id"]
    done = filed(fresh, scenario_id=fresh.scenario["id"],
                 entries=[{"package_id": homes, "items": ["机构名称", "行政区划代码", "床位数"]}])
    assert done["state"] == "approved"
    auto = done["decisions"][-1]
    assert auto["transition"] == "auto_approve" and auto["actor"] == "系统自动"
    assert "县区养老服务补贴核对" in auto["rule"] and "仅限申请单位本县区" in auto["rule"]
    [grant] = done["grants"]
    assert grant["items"] == ["机构名称", "行政区划代码", "床位数"]
    assert grant["region_code"] == "140221" and grant["status"] == "有效"

    found = rows(fresh)
    assert [field["id"] for field in found["fields"]] == ["_id", "机构名称", "行政区划代码", "床位数"]
    assert {record["行政区划代码"][:6] for record in found["records"]} == {"140221"}
    assert found["total"] == 2
    info = fresh.call("county", "datastore_info", id=fresh.resources["homes"]["id"])
    assert "联系电话" not in {field["id"] for field in info["fields"]}


def test_a_granted_reader_cannot_reach_other_columns_or_rows(fresh: World):
    homes = fresh.entries["homes"]["id"]
    filed(fresh, scenario_id=fresh.scenario["id"],
          entries=[{"package_id": homes, "items": ["机构名称", "行政区划代码", "床位数"]}])
    for params in ({"fields": ["联系电话"]}, {"filters": {"联系电话": "0352-6621001"}},
                   {"sort": "联系电话 desc"}, {"q": "0352"}, {"q": {"联系电话": "0352"}}):
        with pytest.raises(helpers.logic.ValidationError) as refused:
            rows(fresh, **params)
        assert "联系电话" in str(refused.value.error_dict) or "按列检索" in str(refused.value.error_dict)
    assert rows(fresh, filters={"行政区划代码": "140222100000"})["records"] == []
    assert rows(fresh, q={"机构名称": "天镇"})["records"] == []
    with pytest.raises(KeyError):  # SQL cannot be narrowed to a grant: it is not offered
        fresh.call("county", "datastore_search_sql",
                   sql=f'SELECT * FROM "{fresh.resources["homes"]["id"]}"')
    with pytest.raises(helpers.logic.NotAuthorized):  # the other county has no grant
        rows(fresh, "other_county")


def test_a_request_beyond_its_scenario_goes_to_the_authority_then_the_provider(fresh: World):
    submitted = filed(fresh, scenario_id=fresh.scenario["id"])  # every item: 联系电话 is beyond it
    assert submitted["state"] == "checking"
    assert "超出应用场景" in submitted["decisions"][-1]["rule"]
    assert "联系电话超出场景范围" in submitted["decisions"][-1]["rule"]
    expected = workdays.add_working_days(
        datetime.datetime.fromisoformat(submitted["decisions"][-1]["created"]), 2)
    assert submitted["due_date"] == expected.due.isoformat()
    assert rows(fresh, "owner")["total"] == 5  # the provider reads its own table whole
    with pytest.raises(helpers.logic.NotAuthorized):
        rows(fresh)

    checked = fresh.call("authority", "datong_request_check", id=submitted["id"], outcome="pass")
    assert checked["state"] == "reviewing" and checked["due_date"]
    approved = fresh.call("owner", "datong_request_review", id=submitted["id"], outcome="approve")
    assert approved["state"] == "approved"
    assert approved["decisions"][-1]["actor"] == fresh.users["owner"]["fullname"]
    found = rows(fresh)
    assert "联系电话" in {field["id"] for field in found["fields"]} and found["total"] == 2


def test_a_request_without_a_scenario_is_checked_returned_resubmitted_and_rejected(fresh: World):
    request = filed(fresh, territory="any")
    assert request["state"] == "checking" and "未选择应用场景" in request["decisions"][-1]["rule"]
    with pytest.raises(helpers.logic.ValidationError) as missing:
        fresh.call("authority", "datong_request_check", id=request["id"], outcome="return")
    assert "必须填写理由" in str(missing.value.error_dict)
    returned = fresh.call("authority", "datong_request_check", id=request["id"], outcome="return",
                          reason="请补充申请依据的具体条款")
    assert returned["state"] == "returned"
    fresh.call("county", "datong_request_update", id=request["id"],
               **request_fields(fresh, territory="any", basis="《山西省养老服务条例》第十五条第二款"))
    again = fresh.call("county", "datong_request_submit", id=request["id"])
    assert again["state"] == "checking"
    fresh.call("authority", "datong_request_check", id=request["id"], outcome="pass")
    rejected = fresh.call("owner", "datong_request_review", id=request["id"], outcome="reject",
                          reason="全市数据不按县区申请提供")
    assert rejected["state"] == "rejected" and rejected["closed"]
    assert fresh.call("county", "datong_notice_list")["unread"] >= 2


def test_a_dispute_is_settled_by_the_authority(fresh: World):
    request = filed(fresh)
    fresh.call("authority", "datong_request_check", id=request["id"], outcome="pass")
    fresh.call("owner", "datong_request_review", id=request["id"], outcome="reject", reason="不宜提供")
    disputed = fresh.call("county", "datong_request_dispute", id=request["id"],
                          reason="养老补贴核对有条例依据")
    assert disputed["state"] == "disputed" and disputed["due_date"]
    settled = fresh.call("authority", "datong_request_settle", id=request["id"], outcome="approve",
                         reason="协调后同意按属地提供")
    assert settled["state"] == "approved" and len(settled["grants"]) == 1


def test_data_never_shared_is_refused_at_once_with_its_basis(fresh: World):
    subsidies = fresh.entries["subsidies"]["id"]
    refused = filed(fresh, territory="any",
                    entries=[{"package_id": subsidies, "items": ["姓名", "身份证号"]}])
    assert refused["state"] == "rejected"
    assert refused["decisions"][-1]["transition"] == "auto_reject"
    assert "身份证号" in refused["decisions"][-1]["rule"] and "不予共享" in refused["decisions"][-1]["rule"]


def test_unconditionally_shared_data_needs_no_request(fresh: World):
    with pytest.raises(helpers.logic.ValidationError) as refused:
        fresh.call("county", "datong_request_create", **request_fields(
            fresh, entries=[{"package_id": fresh.entries["open"]["id"]}]))
    assert "无需申请" in str(refused.value.error_dict)


def test_a_request_for_data_the_requester_cannot_see_reveals_nothing(fresh: World):
    answers = []
    for package_id in (fresh.entries["hidden"]["id"], "no-such-entry"):
        with pytest.raises(helpers.logic.ValidationError) as refused:
            fresh.call("county", "datong_request_create", **request_fields(
                fresh, entries=[{"package_id": package_id}]))
        answers.append(refused.value.error_dict)
    assert answers[0] == answers[1]


def test_forged_transitions_are_refused(fresh: World):
    request = filed(fresh)
    NotAuthorized, ValidationError = helpers.logic.NotAuthorized, helpers.logic.ValidationError
    with pytest.raises(ValidationError):  # skipping the authority's check
        fresh.call("owner", "datong_request_review", id=request["id"], outcome="approve")
    for role, action, outcome in (("county", "datong_request_check", "pass"),
                                  ("owner", "datong_request_check", "pass"),
                                  ("other_dept", "datong_request_review", "approve"),
                                  ("other_county", "datong_request_settle", "approve")):
        with pytest.raises(NotAuthorized):
            fresh.call(role, action, id=request["id"], outcome=outcome)
    with pytest.raises(NotAuthorized):
        fresh.call("authority", "datong_request_withdraw", id=request["id"])
    fresh.call("authority", "datong_request_check", id=request["id"], outcome="pass")
    operator = factories.Sysadmin()
    with pytest.raises(NotAuthorized):  # a sysadmin outside the department is not the provider
        helpers.call_action("datong_request_review", context={"user": operator["name"], "ignore_auth": False},
                            id=request["id"], outcome="approve")
    fresh.call("owner", "datong_request_review", id=request["id"], outcome="approve")
    with pytest.raises(ValidationError) as closed:  # deciding a closed request
        fresh.call("owner_admin", "datong_request_review", id=request["id"], outcome="reject",
                   reason="再议")
    assert "已批准" in str(closed.value.error_dict)


def test_the_requester_may_not_decide_their_own_request(fresh: World):
    """An editor of the provider who files for another organization cannot approve it."""
    sysadmin = fresh.users["sysadmin"]["name"]
    helpers.call_action("organization_member_create", context={"user": sysadmin},
                        id=fresh.orgs["county"]["id"], username="share-owner-admin",
                        role="member")
    try:
        request = filed(fresh, "owner_admin", requester_org_id=fresh.orgs["county"]["id"])
        fresh.call("authority", "datong_request_check", id=request["id"], outcome="pass")
        with pytest.raises(helpers.logic.NotAuthorized) as refused:
            fresh.call("owner_admin", "datong_request_review", id=request["id"], outcome="approve")
        assert "本人" in str(refused.value)
    finally:
        helpers.call_action("organization_member_delete", context={"user": sysadmin},
                            id=fresh.orgs["county"]["id"], username="share-owner-admin")


def test_withdrawal_and_revocation(fresh: World):
    request = filed(fresh)
    assert fresh.call("county", "datong_request_withdraw", id=request["id"])["state"] == "withdrawn"
    approved = filed(fresh, scenario_id=fresh.scenario["id"],
                     entries=[{"package_id": fresh.entries["homes"]["id"], "items": ["机构名称"]}])
    grant_id = approved["grants"][0]["id"]
    assert rows(fresh)["total"] == 2
    with pytest.raises(helpers.logic.NotAuthorized):
        fresh.call("county", "datong_grant_revoke", id=grant_id, reason="自行撤销")
    revoked = fresh.call("owner", "datong_grant_revoke", id=grant_id, reason="补贴核对已结束")
    assert revoked["status"] == "已撤销"
    with pytest.raises(helpers.logic.NotAuthorized):
        rows(fresh)


def test_expiry_is_enforced_at_the_moment_of_access(fresh: World):
    approved = filed(fresh, scenario_id=fresh.scenario["id"],
                     entries=[{"package_id": fresh.entries["homes"]["id"], "items": ["机构名称"]}])
    assert rows(fresh)["total"] == 2
    grant = model.Session.get(Grant, approved["grants"][0]["id"])
    grant.valid_until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    model.Session.commit()
    import time

    time.sleep(1.2)
    with pytest.raises(helpers.logic.NotAuthorized):
        rows(fresh)


def test_every_step_and_every_use_is_in_the_audit_chain(fresh: World):
    request = filed(fresh, scenario_id=fresh.scenario["id"],
                    entries=[{"package_id": fresh.entries["homes"]["id"], "items": ["机构名称"]}])
    rows(fresh, limit=1)
    events = fresh.call("owner", "datong_audit_list", limit=50)["results"]
    mine = [e for e in events if e["object_id"] in {request["id"], request["grants"][0]["id"]}]
    assert [e["action"] for e in reversed(mine)][:4] == [
        "request.created", "request.submitted", "request.approved", "grant.issued"]
    used = next(e for e in mine if e["action"] == "grant.used")
    assert used["row_count"] == 1 and used["actor_name"] == fresh.users["county"]["name"]
    assert audit.verify().ok


def test_overdue_requests_are_escalated_to_the_authority(fresh: World):
    from ckanext.datong.model import Request
    from ckanext.datong.sharing import workflow

    request = filed(fresh)
    stored = model.Session.get(Request, request["id"])
    stored.due_date = clock.now().date() - datetime.timedelta(days=1)
    model.Session.commit()
    assert helpers.call_action("datong_request_list", context=fresh.context("authority"),
                               role="authority", overdue=True)["count"] == 1
    assert [r.id for r in workflow.escalate_overdue()] == [request["id"]]
    model.Session.commit()
    assert workflow.escalate_overdue() == []
    inbox = fresh.call("authority", "datong_notice_list")["results"]
    assert any("超期督办" in notice["subject"] for notice in inbox)


def test_the_tick_command_escalates_and_audits_expired_grants(fresh: World, cli):
    from ckan.cli.cli import ckan as ckan_command

    from ckanext.datong.model import AuditEvent

    approved = filed(fresh, scenario_id=fresh.scenario["id"],
                     entries=[{"package_id": fresh.entries["homes"]["id"], "items": ["机构名称"]}])
    grant = model.Session.get(Grant, approved["grants"][0]["id"])
    grant.valid_from = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)
    grant.valid_until = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    model.Session.commit()
    for expected in ("recorded 1 expired grants", "recorded 0 expired grants"):
        result = cli.invoke(ckan_command, ["datong", "sharing", "tick"])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    assert model.Session.query(AuditEvent).filter(AuditEvent.action == "grant.expired",
                                                  AuditEvent.object_id == grant.id).count() == 1


def test_downloads_follow_the_grant(fresh: World, app):
    """The file itself only with a whole-file grant; the DataStore export narrowed to it."""
    filed(fresh, scenario_id=fresh.scenario["id"],
          entries=[{"package_id": fresh.entries["homes"]["id"], "items": ["机构名称", "行政区划代码"]}])
    resource = fresh.resources["homes"]
    headers = fresh.headers("county")
    refused = app.get(f"/dataset/{fresh.entries['homes']['name']}/resource/{resource['id']}"
                      f"/download/养老机构.csv", headers=headers, status=403)
    assert "不能下载整个文件" in refused.get_data(as_text=True)
    dump = app.get(f"/datastore/dump/{resource['id']}", headers=headers, status=200)
    lines = dump.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "_id,机构名称,行政区划代码"
    assert len(lines) == 3 and all(",140221" in line for line in lines[1:])
    app.get(f"/datastore/dump/{resource['id']}", headers=fresh.headers("other_county"), status=403)


def test_two_reviewers_deciding_at_once_leave_exactly_one_decision(fresh: World):
    import threading

    from ckanext.datong.model import Request

    request = filed(fresh)
    fresh.call("authority", "datong_request_check", id=request["id"], outcome="pass")
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(role: str, outcome: str) -> None:
        start.wait()
        try:
            fresh.call(role, "datong_request_review", id=request["id"], outcome=outcome,
                       reason="并发审核")
            outcomes[role] = "decided"
        except helpers.logic.ValidationError as refused:
            outcomes[role] = str(refused.error_dict)
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=decide, args=args)
               for args in (("owner", "approve"), ("owner_admin", "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values())[0] == "decided" and "不能" in sorted(outcomes.values())[1]
    stored = model.Session.get(Request, request["id"])
    model.Session.refresh(stored)
    reviews = [d for d in stored.decisions if d.from_state == "reviewing"]
    assert len(reviews) == 1 and stored.state == reviews[0].to_state


def test_attachments_of_a_request(fresh: World, app):
    import io

    from werkzeug.datastructures import FileStorage

    draft = fresh.call("county", "datong_request_create", **request_fields(fresh))

    def attach(name: str, content: bytes, role: str = "county") -> dict:
        return fresh.call(role, "datong_request_attach", id=draft["id"],
                          upload=FileStorage(io.BytesIO(content), name))

    attached = attach("养老补贴批复.pdf", b"%PDF-1.7 demo")["attachments"]
    assert [(a["name"], a["size"]) for a in attached] == [("养老补贴批复.pdf", 13)]
    for name, content, message in (("脚本.exe", b"MZ", "附件只接受"), ("空白.pdf", b"", "空文件")):
        with pytest.raises(helpers.logic.ValidationError) as refused:
            attach(name, content)
        assert message in str(refused.value.error_dict)
    with pytest.raises(helpers.logic.NotAuthorized):
        attach("别人的.pdf", b"%PDF", role="owner")
    url = f"/sharing/{draft['id']}/attachments/{attached[0]['id']}"
    fresh.call("county", "datong_request_submit", id=draft["id"])
    got = app.get(url, headers=fresh.headers("owner"), status=200)
    assert got.data == b"%PDF-1.7 demo" and "UTF-8''" in got.headers["Content-Disposition"]
    app.get(url, headers=fresh.headers("other_county"), status=404)
    with pytest.raises(helpers.logic.ValidationError):  # submitted: no longer changed
        fresh.call("county", "datong_request_detach", id=draft["id"],
                   attachment_id=attached[0]["id"])


def test_a_period_that_has_ended_is_neither_submitted_nor_approved(fresh: World):
    from ckanext.datong.model import Request

    draft = fresh.call("county", "datong_request_create", **request_fields(fresh, territory="any"))
    submitted = fresh.call("county", "datong_request_submit", id=draft["id"])
    fresh.call("authority", "datong_request_check", id=submitted["id"], outcome="pass")
    stored = model.Session.get(Request, draft["id"])
    stored.start_date = stored.end_date = clock.now().date() - datetime.timedelta(days=1)
    model.Session.commit()
    with pytest.raises(helpers.logic.ValidationError) as refused:
        fresh.call("owner", "datong_request_review", id=draft["id"], outcome="approve")
    assert "使用期限已经结束" in str(refused.value.error_dict)
    other = fresh.call("county", "datong_request_create", **request_fields(fresh))
    stored = model.Session.get(Request, other["id"])
    stored.start_date = stored.end_date = clock.now().date() - datetime.timedelta(days=1)
    model.Session.commit()
    with pytest.raises(helpers.logic.ValidationError):
        fresh.call("county", "datong_request_submit", id=other["id"])


def test_a_deadline_in_a_year_nobody_entered_says_so(fresh: World, tmp_path, monkeypatch):
    """Filed on Wednesday 2026-12-30: two working days run into 2027, which nobody entered in
    the schedule, so they are counted Monday to Friday and the request says so."""
    import ckan.plugins.toolkit as tk

    from ckanext.datong.model import Request
    from ckanext.datong.sharing import workflow

    schedule = tmp_path / "holidays.yaml"
    schedule.write_text("# no year entered\n", encoding="utf-8")
    monkeypatch.setitem(tk.config, "ckanext.datong.sharing.holidays_file", str(schedule))
    request = Request(state=workflow.CHECKING,
                      modified=datetime.datetime(2026, 12, 30, 10, tzinfo=clock.BEIJING))
    workflow._set_deadline(request)
    assert request.due_date == datetime.date(2027, 1, 1)
    assert "2027年的法定节假日和调休安排尚未录入" in request.due_note
