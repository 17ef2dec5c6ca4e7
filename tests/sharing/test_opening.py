"""有条件开放 through the sharing engine: a citizen or a company applies for the files of a
conditionally open entry, the providing department decides within its deadline, and an
approval lets the applicant download; every refusal in Chinese, nothing visible to others."""
from __future__ import annotations

import datetime
from typing import Any, Iterator

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.datong import access, clock
from ckanext.datong.model import AuditEvent, Grant, Notice
from tests import factories, worlds
from tests.access.conftest import make_entry, upload_csv
from tests.sharing.conftest import World

PARK_CSV = "公园,年份,游客量\n大同公园,2025,1200000\n文瀛湖公园,2025,860000\n"
COMPANY_USCC = "91140200MA0K12345X"


@pytest.fixture(scope="module")
def park(world: World) -> Iterator[dict[str, Any]]:
    """A conditionally open entry with two files, of the civil-affairs bureau (the owner)."""
    sysadmin = world.users["sysadmin"]
    entry = make_entry(sysadmin, world.orgs["owner"], "大同市公园游客量统计", name="park-visitors",
                       share_type="有条件共享", share_condition="用于文旅业务",
                       open_type="有条件开放", open_condition="用于科研和公益用途，需签署数据利用协议")
    files = [upload_csv(sysadmin, entry["id"], name, PARK_CSV) for name in ("游客量.csv", "游客量-2024.csv")]
    world.users["citizen2"] = factories.User(name="open-citizen-2")
    world.tokens["citizen2"] = worlds.token(world.users["citizen2"], "opening-tests")
    yield {"entry": entry, "files": files}


def applied(world: World, role: str = "citizen", **fields: Any) -> dict[str, Any]:
    """A draft opening request of the park entry with every field filled."""
    data = {"package_id": "park-visitors", "applicant_kind": "person", "applicant_name": "李明",
            "purpose": "研究大同市公园游客量的季节变化，用于高校课程论文",
            "end_date": (clock.now().date() + datetime.timedelta(days=90)).isoformat(),
            "contact_phone": "13912345678", "agreement": True, **fields}
    return world.call(role, "datong_opening_create", **data)


def refused(world: World, role: str, action: str, **data: Any) -> dict[str, list[str]]:
    with pytest.raises(tk.ValidationError) as raised:
        world.call(role, action, **data)
    return raised.value.error_dict


def download(app: Any, world: World, role: str, park: dict[str, Any], index: int = 0) -> int:
    resource = park["files"][index]
    return app.get(f"/dataset/{park['entry']['id']}/resource/{resource['id']}/download",
                   headers=world.headers(role)).status_code


def test_a_citizen_applies_the_provider_approves_and_the_citizen_downloads(fresh: World, park, app):
    assert download(app, fresh, "citizen", park) == 403
    draft = applied(fresh)
    assert draft["kind"] == "opening" and draft["number"].startswith("KF")
    assert draft["state"] == "draft" and draft["requester_text"] == "李明（个人）"
    submitted = fresh.call("citizen", "datong_request_submit", id=draft["id"])
    assert submitted["state"] == "reviewing"
    assert submitted["decisions"][-1]["rule"] == "有条件开放数据的开放申请，转提供部门审核"
    assert submitted["due_date"] is not None  # ten working days of the provider (setting)
    subjects = [n.subject for n in helpers.model.Session.query(Notice).filter(
        Notice.user_id == fresh.users["owner"]["id"])]
    assert any(s.startswith("【待审核】开放申请 KF") for s in subjects)

    approved = fresh.call("owner", "datong_request_review", id=draft["id"], outcome="approve")
    assert approved["state"] == "approved"
    [grant] = approved["grants"]
    assert grant["grantee_user_id"] == fresh.users["citizen"]["id"]
    assert grant["items"] is None and grant["region_code"] is None
    assert grant["valid_until"].startswith(
        (clock.now().date() + datetime.timedelta(days=91)).isoformat())
    assert download(app, fresh, "citizen", park, 0) == 200
    assert download(app, fresh, "citizen", park, 1) == 200
    assert download(app, fresh, "citizen2", park) == 403  # the grant is the applicant's alone
    actions = [e.action for e in helpers.model.Session.query(AuditEvent).filter(
        AuditEvent.object_id.in_([draft["id"], grant["id"]])).order_by(AuditEvent.seq)]
    assert actions == ["request.created", "request.submitted", "request.approved", "grant.issued",
                       "grant.used", "grant.used"]  # each download through the grant


def test_one_file_can_be_asked_for(fresh: World, park, app):
    draft = applied(fresh, resource_id=park["files"][1]["id"])
    fresh.call("citizen", "datong_request_submit", id=draft["id"])
    fresh.call("owner", "datong_request_review", id=draft["id"], outcome="approve")
    assert download(app, fresh, "citizen", park, 1) == 200
    assert download(app, fresh, "citizen", park, 0) == 403


def test_a_company_names_its_credit_code(fresh: World, park):
    errors = refused(fresh, "citizen", "datong_opening_create", package_id="park-visitors",
                     applicant_kind="company", applicant_name="大同某某科技有限公司",
                     purpose="开发公园客流导览应用", contact_phone="0352-1234567",
                     end_date=clock.now().date().isoformat(), agreement=True)
    assert errors == {"applicant_uscc": ["企业申请须填写统一社会信用代码"]}
    errors = refused(fresh, "citizen", "datong_opening_create", package_id="park-visitors",
                     applicant_kind="company", applicant_name="大同某某科技有限公司",
                     applicant_uscc="91140200MA0K1234", purpose="开发公园客流导览应用",
                     contact_phone="0352-1234567", end_date=clock.now().date().isoformat())
    assert errors["applicant_uscc"][0].startswith("统一社会信用代码应为18位")


def test_bad_input_is_refused_in_chinese(fresh: World, park):
    today = clock.now().date()
    cases = [
        ({"applicant_kind": "robot"}, "applicant_kind", "申请人类型“robot”无效"),
        ({"contact_phone": "12345"}, "contact_phone", "联系电话应为11位手机号码"),
        ({"end_date": "2027/01/01"}, "end_date", "使用期限截止日期应为日期"),
        ({"end_date": (today - datetime.timedelta(days=1)).isoformat()}, "end_date",
         "使用期限截止日期不能早于今天"),
        ({"end_date": (today + datetime.timedelta(days=365)).isoformat()}, "end_date",
         "使用期限最长为365天"),
        ({"purpose": "  "}, "purpose", "请填写使用用途"),
        ({"package_id": "no-such-entry"}, "package_id", access.NOT_FOUND_MESSAGE),
        ({"resource_id": "no-such-file"}, "resource_id", "「大同市公园游客量统计」没有该资源"),
    ]
    for fields, key, message in cases:
        errors = refused(fresh, "citizen", "datong_opening_create", **{
            "package_id": "park-visitors", "applicant_kind": "person", "applicant_name": "李明",
            "purpose": "课程论文", "end_date": today.isoformat(), "contact_phone": "13912345678",
            **fields})
        assert errors[key][0].startswith(message), (fields, errors)


def test_only_conditionally_open_entries_are_applied_for(fresh: World, park):
    assert refused(fresh, "citizen", "datong_opening_create", **_fields("marriage-offices")) == {
        "package_id": ["「婚姻登记机关名录」为无条件开放数据，无需申请，可直接下载"]}
    # a 不予开放 entry is as unknown to a citizen as an id that never existed
    assert refused(fresh, "citizen", "datong_opening_create", **_fields("homes")) == \
        refused(fresh, "citizen", "datong_opening_create", **_fields("never-was"))
    assert refused(fresh, "county", "datong_opening_create", **_fields("homes")) == {
        "package_id": ["「大同市养老服务机构名录」不予开放，不能申请开放"]}
    # the providing department downloads its own files already
    assert refused(fresh, "owner", "datong_opening_create", **_fields("park-visitors")) == {
        "package_id": ["您已可以下载「大同市公园游客量统计」的文件，无需申请"]}


def _fields(package: str) -> dict[str, Any]:
    return {"package_id": package, "applicant_kind": "person", "applicant_name": "李明",
            "purpose": "课程论文", "end_date": clock.now().date().isoformat(),
            "contact_phone": "13912345678", "agreement": True}


def test_signing_in_and_the_agreement_come_first(fresh: World, park):
    with pytest.raises(tk.NotAuthorized) as raised:
        helpers.call_action("datong_opening_create", context={"user": "", "ignore_auth": False},
                            **_fields("park-visitors"))
    assert "请先登录" in str(raised.value)
    draft = applied(fresh, agreement=False)
    assert refused(fresh, "citizen", "datong_request_submit", id=draft["id"]) == {
        "agreement": ["提交前请阅读并接受《大同市公共数据利用协议》"]}


def test_one_running_application_per_entry(fresh: World, park):
    first = applied(fresh)
    fresh.call("citizen", "datong_request_submit", id=first["id"])
    errors = refused(fresh, "citizen", "datong_opening_create", **_fields("park-visitors"))
    assert errors == {"package_id": [
        f"您已提交「大同市公园游客量统计」的开放申请（编号{first['number']}），请等待办理结果"]}
    applied(fresh, "citizen2")  # another applicant is not held up


def test_returned_corrected_rejected_disputed_and_settled(fresh: World, park, app):
    draft = applied(fresh)
    fresh.call("citizen", "datong_request_submit", id=draft["id"])
    returned = fresh.call("owner", "datong_request_review", id=draft["id"], outcome="return",
                          reason="请写明论文题目")
    assert returned["state"] == "returned"
    fresh.call("citizen", "datong_opening_update", id=draft["id"], **{
        **_fields("park-visitors"), "purpose": "论文《大同市公园游客量的季节变化》"})
    again = fresh.call("citizen", "datong_request_submit", id=draft["id"])
    assert again["state"] == "reviewing" and again["purpose"].startswith("论文《")
    fresh.call("owner", "datong_request_review", id=draft["id"], outcome="reject",
               reason="数据含未脱敏字段")
    fresh.call("citizen", "datong_request_dispute", id=draft["id"], reason="仅需汇总数据")
    settled = fresh.call("authority", "datong_request_settle", id=draft["id"],
                         outcome="approve", reason="协调后同意开放汇总数据")
    assert settled["state"] == "approved" and len(settled["grants"]) == 1
    assert download(app, fresh, "citizen", park) == 200


def test_an_entry_closed_before_submission_is_refused_at_submission(fresh: World, park):
    draft = applied(fresh)
    sysadmin = {"user": fresh.users["sysadmin"]["name"]}
    helpers.call_action("package_patch", context=sysadmin, id="park-visitors",
                        open_type="不予开放", open_condition="")
    try:
        decided = fresh.call("citizen", "datong_request_submit", id=draft["id"])
    finally:
        helpers.call_action("package_patch", context=sysadmin, id="park-visitors",
                            open_type="有条件开放", open_condition="用于科研和公益用途")
    assert decided["state"] == "rejected"
    assert decided["decisions"][-1]["rule"] == "「大同市公园游客量统计」不予开放，不能申请开放"
    assert not helpers.model.Session.query(Grant).filter(Grant.request_id == draft["id"]).count()


def test_an_application_is_seen_by_its_applicant_the_provider_and_the_authority(fresh: World, park):
    draft = applied(fresh)
    fresh.call("citizen", "datong_request_submit", id=draft["id"])
    for role in ("citizen", "owner", "authority"):
        assert fresh.call(role, "datong_request_show", id=draft["id"])["number"] == draft["number"]
    for role in ("citizen2", "county", "other_dept"):
        with pytest.raises(tk.NotAuthorized):
            fresh.call(role, "datong_request_show", id=draft["id"])
    mine = fresh.call("citizen", "datong_request_list")
    assert [r["number"] for r in mine["results"]] == [draft["number"]]
    assert fresh.call("citizen2", "datong_request_list")["count"] == 0
    inbox = helpers.call_action("datong_request_list", context=fresh.context("owner"),
                                role="provider")
    assert draft["number"] in [r["number"] for r in inbox["results"]]
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datong_request_list", context=fresh.context("citizen"),
                            role="provider")


# --------------------------------------------------------------------------- pages


def test_the_entry_page_offers_the_application(fresh: World, park, app):
    page = app.get("/dataset/park-visitors").get_data(as_text=True)
    assert "申请开放" in page and "/dataset/park-visitors/apply" in page
    login = app.get("/dataset/park-visitors/apply", follow_redirects=False)
    assert login.status_code == 302 and "/user/login" in login.headers["Location"]
    assert app.get("/dataset/never-was/apply", follow_redirects=False).status_code == 404
    # government users apply through data sharing instead; open entries need no application
    assert "/apply" not in app.get("/dataset/park-visitors",
                                   headers=fresh.headers("county")).get_data(as_text=True)
    assert "/apply" not in app.get("/dataset/marriage-offices",
                                   headers=fresh.headers("citizen")).get_data(as_text=True)


def test_the_form_refuses_in_chinese_and_then_submits(fresh: World, park, app):
    headers = fresh.headers("citizen")
    form = app.get("/dataset/park-visitors/apply", headers=headers).get_data(as_text=True)
    for label in ("申请人类型", "申请人名称", "统一社会信用代码", "联系电话", "使用用途",
                  "使用期限截止日期", "大同市公共数据利用协议"):
        assert label in form
    assert 'maxlength="18"' in form and 'autocomplete="tel"' in form
    fields = {"applicant_kind": "company", "applicant_name": "大同某某科技有限公司",
              "purpose": "开发公园客流导览应用", "contact_phone": "0352-1234567",
              "end_date": clock.now().date().isoformat(), "agreement": "true"}
    again = app.post("/dataset/park-visitors/apply", headers=headers, data=fields)
    assert again.status_code == 200
    assert "企业申请须填写统一社会信用代码" in again.get_data(as_text=True)
    done = app.post("/dataset/park-visitors/apply", headers=headers, follow_redirects=False,
                    data={**fields, "applicant_uscc": ""} | {"applicant_kind": "person",
                                                            "applicant_name": "李明"})
    assert done.status_code == 302 and "/sharing/" in done.headers["Location"]
    request_page = app.get(done.headers["Location"], headers=headers).get_data(as_text=True)
    assert "开放申请 KF" in request_page and "待提供部门审核" in request_page
    assert "李明（个人）" in request_page and "全部文件" in request_page
    assert "<title>开放申请 KF" in request_page and " - 我的申请 - " in request_page
    entry_page = app.get("/dataset/park-visitors", headers=headers).get_data(as_text=True)
    assert "您的开放申请" in entry_page and "待提供部门审核" in entry_page
    assert "/dataset/park-visitors/apply" not in entry_page
