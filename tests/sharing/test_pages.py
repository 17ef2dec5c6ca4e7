"""The sharing pages over HTTP with CKAN's test app: who sees each page and who is refused, the
request form and its Chinese messages, a request taken through its steps with the page's
forms, the lists, grants and their revocation, the audit view and its CSV export, scenarios,
the inbox of notices and the 申请共享 button of the entry page; and no English on them."""
from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any, Optional

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import helpers
from werkzeug.datastructures import MultiDict

from ckanext.datong import clock
from ckanext.datong.model import Request
from tests.sharing.conftest import World, request_fields

SCENARIO_ITEMS = ["机构名称", "行政区划代码", "床位数"]
PAGES = ["/sharing/", "/sharing/new", "/sharing/inbox", "/sharing/queue", "/sharing/grants",
         "/sharing/audit", "/sharing/audit.csv", "/sharing/scenarios", "/sharing/notices"]
ENGLISH = re.compile(r"\b(?!(?:CSV|SM3|GX\d+)\b)[A-Za-z]{3,}\b")
"""A Latin word in a page's visible text (the format names CSV and SM3, request numbers aside)."""
TELLTALES = ("Dashboard", "Log out", "Search", "Submit", "Save", "Cancel", "Required", "Error",
             "Forbidden", "Not Found", "Unauthorized", "Datasets", "Organizations")


@pytest.fixture(scope="module")
def client(world: World) -> Any:
    """A client keeping its session cookie, so that flash messages survive redirects."""
    return helpers._get_test_app().test_client()


def get(client: Any, world: World, role: str, path: str, status: int = 200,
        **params: Any) -> BeautifulSoup:
    response = client.get(path, headers=world.headers(role), query_string=params,
                          follow_redirects=False)
    assert response.status_code == status, (path, response.status_code)
    return BeautifulSoup(response.body, "html.parser")


def post(client: Any, world: World, role: str, path: str, data: Any,
         status: int = 200) -> Any:
    response = client.post(path, headers=world.headers(role), data=data, follow_redirects=False)
    assert response.status_code == status, (path, response.status_code)
    return response


def form(world: World, items: Optional[list[str]] = None, **fields: Any) -> MultiDict:
    """The request form's fields for the homes register, as a county official fills it."""
    base = request_fields(world)
    data = {key: base[key] for key in ("purpose", "basis", "start_date", "end_date", "frequency",
                                       "delivery", "territory", "contact_name", "contact_phone")}
    data.update({"commitment": "on", "save": "submit", **fields})
    pairs = [(key, str(value)) for key, value in data.items() if value is not None]
    pairs.append(("entries-0-package_id", world.entries["homes"]["id"]))
    pairs += [("entries-0-items", item) for item in items or []]
    return MultiDict(pairs)


def text(soup: BeautifulSoup) -> str:
    """The visible text of a page's content (no scripts, styles or attributes)."""
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    return " ".join(soup.get_text(" ").split())


def english(world: World, soup: BeautifulSoup) -> list[str]:
    """Latin words in the page's own part (the menu, flash messages and main column; CKAN's
    account links, search box and footer are the site's), leaving out identifiers (<code>)
    and the names of the world's users."""
    for code in soup("code"):
        code.decompose()
    parts = soup.select(".main-navbar .navbar-nav, .flash-messages, [role=main]")
    shown = " ".join(text(part) for part in parts)
    for user in filter(None, world.users.values()):
        shown = shown.replace(user["fullname"] or user["name"], "").replace(user["name"], "")
    return [word for word in TELLTALES if word in shown] + ENGLISH.findall(shown)


def flash(soup: BeautifulSoup) -> str:
    return " ".join(div.get_text(" ", strip=True) for div in soup.select(".flash-messages .alert"))


def submitted(world: World, **fields: Any) -> dict[str, Any]:
    draft = world.call("county", "datong_request_create", **request_fields(world, **fields))
    return world.call("county", "datong_request_submit", id=draft["id"])


def follow(client: Any, world: World, role: str, response: Any) -> BeautifulSoup:
    assert response.status_code == 302, response.status_code
    return get(client, world, role, response.headers["Location"])


# ------------------------------------------------------------------------------ who sees what

@pytest.mark.parametrize("path", PAGES)
def test_visitors_are_sent_to_sign_in(client, world, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 302
    assert "/user/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("path, message", [
    ("/sharing/new", "只有政务部门（县区、市直部门）的工作人员可以提交共享申请"),
    ("/sharing/audit", "审计日志仅对政府部门用户开放"),
    ("/sharing/grants", "只有政务部门"),
])
def test_a_citizen_is_refused_in_chinese(client, world, path, message):
    page = get(client, world, "citizen", path, status=403)
    assert message in text(page) and "无权访问" in text(page)


def test_only_the_authority_has_the_queue_and_scenario_forms(client, world):
    assert "只有数据主管部门可以执行此操作" in text(get(client, world, "county", "/sharing/queue",
                                                       status=403))
    get(client, world, "owner", "/sharing/scenarios/new", status=403)
    assert get(client, world, "authority", "/sharing/queue").select(".datong-state-counts a")


@pytest.mark.parametrize("role, tabs", [
    ("citizen", ["我的申请", "消息"]),
    ("county", ["我的申请", "授权", "应用场景", "审计日志", "消息"]),
    ("owner", ["我的申请", "待我审核", "授权", "应用场景", "审计日志", "消息"]),
    ("authority", ["我的申请", "审核督办", "授权", "应用场景", "审计日志", "消息"]),
])
def test_each_role_sees_only_its_tabs(client, world, role, tabs):
    page = get(client, world, role, "/sharing/notices")
    assert [a.get_text(strip=True) for a in page.select(".datong-sharing-tabs a")] == tabs
    menu = [a.get_text(" ", strip=True) for a in page.select(".main-navbar .navbar-nav a")]
    assert ("数据共享" in menu) is (role != "citizen") and "消息" in menu
    assert ("我的申请" in menu) is (role == "citizen")  # a citizen's applications for open data


def test_a_request_the_user_may_not_see_is_not_found(client, fresh):
    request = submitted(fresh)
    for role in ("other_county", "other_dept"):
        page = get(client, fresh, role, f"/sharing/{request['id']}", status=404)
        assert "未找到" in text(page)
    get(client, fresh, "county", "/sharing/no-such-request", status=404)
    get(client, fresh, "authority", f"/sharing/{request['id']}")


# ------------------------------------------------------------------------------ the form

def test_the_form_is_prefilled_from_the_entry(client, world):
    page = get(client, world, "county", "/sharing/new", package_id="homes")
    entry = page.select_one(".datong-request-entry")
    assert "大同市养老服务机构名录" in entry.get_text()
    assert [label.get_text(strip=True) for label in entry.select(".form-check-label")] == [
        "机构名称", "行政区划代码", "床位数", "联系电话"]
    scenario = page.select_one("#field-scenario_id").find("option", string=re.compile("县区养老服务补贴核对"))
    assert scenario["value"] == world.scenario["id"]
    assert "最长期限：366天" in page.select_one(".datong-scenario-rules").get_text()
    assert "谁经手、谁使用、谁管理、谁负责" in page.select_one(".datong-commitment").get_text()
    buttons = [b.get_text(strip=True) for b in page.select(".form-actions button")]
    assert buttons == ["保存草稿", "提交申请"]
    assert page.select_one("#field-start_date")["value"] == clock.now().date().isoformat()
    candidates = [o.get_text() for o in page.select("#field-new_entry option")]
    assert candidates == ["请选择", "高龄津贴发放名册"]  # conditional, of the same provider, not chosen


def test_validation_errors_are_shown_in_chinese_next_to_the_fields(client, fresh):
    response = post(client, fresh, "county", "/sharing/new", form(
        fresh, purpose="", frequency="", start_date="2020-13-01"))
    page = BeautifulSoup(response.body, "html.parser")
    summary = [li.get_text(strip=True) for li in page.select(".error-explanation li")]
    assert "请填写使用用途" in summary
    assert any("请选择使用频度" in line for line in summary)
    assert any("应为日期，格式为YYYY-MM-DD" in line for line in summary)
    purpose = page.select_one("#field-purpose").find_parent("div", class_="form-group")
    assert "error" in purpose["class"] and "请填写使用用途" in purpose.get_text()
    assert page.select_one("#field-basis").get_text() == "《山西省养老服务条例》第十五条"
    assert model.Session.query(Request).count() == 0


def test_submitting_without_the_commitment_keeps_a_draft(client, fresh):
    pairs = form(fresh)
    del pairs["commitment"]
    page = BeautifulSoup(post(client, fresh, "county", "/sharing/new", pairs).body, "html.parser")
    assert "申请已保存为草稿，尚未提交" in page.select_one(".error-explanation").get_text()
    assert "提交前请阅读并接受数据安全承诺" in page.select_one(".error-explanation").get_text()
    [draft] = model.Session.query(Request).all()
    assert draft.state == "draft"
    assert page.select_one("form.datong-request-form")["action"] == f"/sharing/{draft.id}/edit"


def test_entries_are_added_and_removed_without_script(client, fresh):
    pairs = form(fresh)
    pairs["add_entry"], pairs["new_entry_name"] = "1", "subsidies"
    page = BeautifulSoup(post(client, fresh, "county", "/sharing/new", pairs).body, "html.parser")
    assert [h.get_text(strip=True).split("（")[0] for h in page.select(".datong-request-entry h3")] == [
        "大同市养老服务机构名录", "高龄津贴发放名册"]
    options = [o.get_text() for o in page.select("#field-new_entry option")]
    assert "婚姻登记机关名录" not in options  # unconditionally shared: nothing to apply for
    pairs["new_entry_name"] = "hidden-assistance"
    page = BeautifulSoup(post(client, fresh, "county", "/sharing/new", pairs).body, "html.parser")
    assert "找不到数据目录“hidden-assistance”，或您无权查看" in page.select_one(".error-explanation").get_text()
    pairs = form(fresh)
    pairs["remove_entry"] = "0"
    page = BeautifulSoup(post(client, fresh, "county", "/sharing/new", pairs).body, "html.parser")
    assert page.select(".datong-request-entry") == []


def test_a_draft_is_saved_edited_and_submitted(client, fresh):
    pairs = form(fresh, items=["机构名称"], save="draft")
    page = follow(client, fresh, "county", post(client, fresh, "county", "/sharing/new", pairs, 302))
    assert "草稿已保存" in flash(page) and page.select_one(".datong-state").get_text() == "草稿"
    draft = model.Session.query(Request).one()
    edit = get(client, fresh, "county", f"/sharing/{draft.id}/edit")
    assert [i["value"] for i in edit.select("input[name=entries-0-items][checked]")] == ["机构名称"]
    pairs = form(fresh, items=SCENARIO_ITEMS, scenario_id=fresh.scenario["id"])
    page = follow(client, fresh, "county", post(client, fresh, "county", f"/sharing/{draft.id}/edit",
                                                pairs, 302))
    assert "已自动批准" in flash(page) and "县区养老服务补贴核对" in flash(page)
    get(client, fresh, "county", f"/sharing/{draft.id}/edit", status=302)  # decided: not editable


# ------------------------------------------------------------------------------ request page

def test_an_automatic_approval_names_its_rule_and_shows_the_grant(client, fresh):
    response = post(client, fresh, "county", "/sharing/new",
                    form(fresh, items=SCENARIO_ITEMS, scenario_id=fresh.scenario["id"]), 302)
    page = follow(client, fresh, "county", response)
    assert re.search(r"申请GX\d{12}已自动批准：符合应用场景「县区养老服务补贴核对」", flash(page))
    assert page.select_one(".datong-state").get_text() == "已批准"
    decision = [td.get_text(strip=True) for td in page.select(".datong-decisions tbody tr")[-1].select("td")]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", decision[0])
    assert decision[1:4] == ["系统自动", "自动批准", "已批准"]
    assert "仅限申请单位本县区" in decision[5]
    grant = [td.get_text(strip=True) for td in page.select(".datong-request-grants tbody td")]
    assert grant[:3] == ["大同市养老服务机构名录", "机构名称、行政区划代码、床位数", "阳高县"]
    assert grant[5] == "有效"
    assert page.select(".datong-step") == []  # decided: nothing left to do


def test_a_request_goes_through_check_and_review_on_its_page(client, fresh):
    response = post(client, fresh, "county", "/sharing/new", form(fresh), 302)
    page = follow(client, fresh, "county", response)
    assert "已提交，等待数据主管部门符合性审核，办理期限至" in flash(page)
    request_id = response.headers["Location"].rsplit("/", 1)[1]
    assert "剩余" in page.select_one(".datong-deadline").get_text()
    assert [f["data-step"] for f in page.select(".datong-step")] == ["withdraw"]

    checking = get(client, fresh, "authority", f"/sharing/{request_id}")
    assert [f["data-step"] for f in checking.select(".datong-step")] == [
        "check_pass", "check_return", "check_reject"]
    refused = BeautifulSoup(post(client, fresh, "authority", f"/sharing/{request_id}/act",
                                 {"transition": "check_return", "reason": ""}).body, "html.parser")
    assert "退回修改必须填写理由" in refused.select_one(".error-explanation").get_text()
    page = follow(client, fresh, "authority", post(client, fresh, "authority",
                                                   f"/sharing/{request_id}/act",
                                                   {"transition": "check_pass"}, 302))
    assert "已符合性审核通过" in flash(page) and "待提供部门审核" in flash(page)

    get(client, fresh, "other_dept", f"/sharing/{request_id}", status=404)
    post(client, fresh, "county", f"/sharing/{request_id}/act", {"transition": "approve"}, 403)
    inbox = get(client, fresh, "owner", "/sharing/inbox")
    row = inbox.select_one(f"tr[data-id='{request_id}']")
    assert "剩余" in row.select_one(".datong-countdown").get_text()
    page = follow(client, fresh, "owner", post(client, fresh, "owner", f"/sharing/{request_id}/act",
                                               {"transition": "approve"}, 302))
    assert page.select_one(".datong-state").get_text() == "已批准"
    steps = [td.get_text(strip=True) for td in page.select(".datong-decisions tbody td:nth-of-type(3)")]
    assert steps == ["提交", "符合性审核通过", "批准"]


def test_an_overdue_request_comes_first_in_the_inbox_with_its_badge(client, fresh):
    first, late = submitted(fresh), submitted(fresh)
    for request in (first, late):
        fresh.call("authority", "datong_request_check", id=request["id"], outcome="pass")
    stored = model.Session.get(Request, late["id"])
    stored.due_date = clock.now().date() - datetime.timedelta(days=2)
    model.Session.commit()
    rows = get(client, fresh, "owner", "/sharing/inbox").select("table.datong-requests tbody tr")
    assert [row["data-id"] for row in rows] == [late["id"], first["id"]]
    assert "已超期" in rows[0].get_text() and "已超期2天" in rows[0].get_text()
    page = get(client, fresh, "owner", f"/sharing/{late['id']}")
    assert page.select_one(".datong-overdue-badge").get_text() == "已超期"


def test_the_queue_counts_states_and_lists_estimated_deadlines(client, fresh):
    request = submitted(fresh)
    note = "2027年的法定节假日和调休安排尚未录入，截止日期按周一至周五推算，仅供参考；请数据主管部门补录该年度安排"
    stored = model.Session.get(Request, request["id"])
    stored.due_note = note
    model.Session.commit()
    page = get(client, fresh, "authority", "/sharing/queue")
    counts = {a["data-state"]: a.strong.get_text() for a in page.select(".datong-state-counts a")}
    assert counts["checking"] == "1" and counts["approved"] == "0" and "draft" not in counts
    assert note in page.select_one(".datong-queue-estimated").get_text()
    assert page.select_one(f"tr[data-id='{request['id']}']") is not None
    assert note in get(client, fresh, "county", f"/sharing/{request['id']}").select_one(
        ".datong-due-note").get_text()


def test_my_requests_are_filtered_by_state(client, fresh):
    submitted(fresh)
    fresh.call("county", "datong_request_create", **request_fields(fresh))
    page = get(client, fresh, "county", "/sharing/")
    assert len(page.select("table.datong-requests tbody tr")) == 2
    page = get(client, fresh, "county", "/sharing/", state="draft")
    assert [td.get_text() for td in page.select("table.datong-requests tbody td:nth-of-type(5)")] == ["草稿"]


# ------------------------------------------------------------------------------ grants

def test_the_provider_revokes_a_grant_with_a_reason(client, fresh):
    submitted(fresh, scenario_id=fresh.scenario["id"],
              entries=[{"package_id": fresh.entries["homes"]["id"], "items": ["机构名称"]}])
    assert get(client, fresh, "county", "/sharing/grants").select("form.datong-revoke") == []
    page = get(client, fresh, "owner", "/sharing/grants")
    [revoke] = page.select("form.datong-revoke")
    refused = BeautifulSoup(post(client, fresh, "owner", revoke["action"], {"reason": " "}).body,
                            "html.parser")
    assert "请填写撤销理由" in refused.select_one("form.datong-revoke .alert").get_text()
    page = follow(client, fresh, "owner", post(client, fresh, "owner", revoke["action"],
                                               {"reason": "补贴核对已结束"}, 302))
    assert "授权已撤销" in flash(page)
    assert page.select_one(".datong-grant-status").get_text(strip=True) == "已撤销（补贴核对已结束）"
    post(client, fresh, "county", revoke["action"], {"reason": "自行撤销"}, 403)


# ------------------------------------------------------------------------------ audit

def test_the_audit_view_filters_and_verifies(client, fresh):
    submitted(fresh, scenario_id=fresh.scenario["id"],
              entries=[{"package_id": fresh.entries["homes"]["id"], "items": ["机构名称"]}])
    page = get(client, fresh, "owner", "/sharing/audit")
    shown = [td.get_text() for td in page.select("table.datong-audit tbody td:nth-of-type(4)")]
    assert {"创建申请", "提交申请", "批准", "签发授权"} <= set(shown)
    assert page.select_one("form.datong-audit-verify") is None
    page = get(client, fresh, "owner", "/sharing/audit", action="grant.issued")
    assert {td.get_text() for td in page.select("table.datong-audit tbody td:nth-of-type(4)")} == {"签发授权"}
    detail = page.select_one("table.datong-audit tbody td:nth-of-type(7)").get_text()
    assert re.fullmatch(r"申请编号：GX\d{12}；信息项：机构名称；属地：阳高县；有效期至：\d{4}年.*", detail)
    bad = get(client, fresh, "owner", "/sharing/audit", since="2026-02-30")
    assert "开始日期：日期格式应为 YYYY-MM-DD，例如 2026-12-03" in bad.select_one(".error-explanation").get_text()
    verified = BeautifulSoup(post(client, fresh, "authority", "/sharing/audit/verify", {}).body,
                             "html.parser")
    assert "审计日志完整" in verified.select_one(".datong-verification").get_text()
    post(client, fresh, "owner", "/sharing/audit/verify", {}, 403)


def test_the_audit_csv_opens_with_chinese_headers(client, fresh):
    submitted(fresh)
    response = client.get("/sharing/audit.csv", headers=fresh.headers("owner"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "操作人", "操作", "对象类型", "对象", "数据目录", "提供部门", "申请单位",
                       "行数", "详情", "哈希"]
    assert {"创建申请", "提交申请"} <= {row[2] for row in rows[1:]}
    assert all(row[7] == "阳高县民政局" for row in rows[1:] if row[3] == "共享申请")
    only = client.get("/sharing/audit.csv", headers=fresh.headers("owner"),
                      query_string={"action": "request.created"}).get_data().decode("utf-8-sig")
    assert {row[2] for row in list(csv.reader(io.StringIO(only)))[1:]} == {"创建申请"}
    assert client.get("/sharing/audit.csv", headers=fresh.headers("other_county")).get_data() \
        .decode("utf-8-sig").count("\n") == 1  # the header only: none of its organization's


# ------------------------------------------------------------------------------ scenarios

def test_the_authority_creates_a_scenario_through_the_form(client, fresh):
    listed = get(client, fresh, "county", "/sharing/scenarios")
    assert "县区养老服务补贴核对" in listed.select_one("table.datong-scenarios").get_text()
    assert listed.find("a", string="新建应用场景") is None
    data = {"name": "县区高龄津贴核对", "legal_basis": "《大同市高龄津贴发放办法》",
            "coverage": "no-such-entry：姓名", "max_grade": "一般-3", "max_days": "0",
            "territory": "own", "route": "provider", "requester_kinds": ["县区"],
            "delivery_methods": ["接口"]}
    page = BeautifulSoup(post(client, fresh, "authority", "/sharing/scenarios/new", data).body,
                         "html.parser")
    summary = page.select_one(".error-explanation").get_text()
    assert "第1行：找不到数据目录“no-such-entry”" in summary
    assert "最长使用期限（天）应为正整数" in summary
    data.update(coverage="subsidies：姓名\nhomes", max_days="90")
    page = follow(client, fresh, "authority", post(client, fresh, "authority",
                                                   "/sharing/scenarios/new", data, 302))
    assert "应用场景「县区高龄津贴核对」已保存" in flash(page)
    row = next(tr for tr in page.select("table.datong-scenarios tbody tr") if "县区高龄津贴核对" in tr.get_text())
    assert "高龄津贴发放名册：姓名" in row.get_text() and "大同市养老服务机构名录：全部信息项" in row.get_text()
    edit = get(client, fresh, "authority", f"/sharing/scenarios/{row['data-id']}/edit")
    assert edit.select_one("#field-coverage").get_text() == "subsidies：姓名\nhomes"
    data.update(state="retired")
    follow(client, fresh, "authority", post(client, fresh, "authority",
                                            f"/sharing/scenarios/{row['data-id']}/edit", data, 302))
    assert "县区高龄津贴核对" not in get(client, fresh, "county", "/sharing/new").select_one(
        "#field-scenario_id").get_text()


# ------------------------------------------------------------------------------ notices

def test_notices_are_counted_in_the_menu_and_marked_read(client, fresh):
    request = submitted(fresh)
    fresh.call("authority", "datong_request_check", id=request["id"], outcome="return",
               reason="请补充依据")
    page = get(client, fresh, "county", "/sharing/notices")
    assert page.select_one(".datong-notices-link .badge").get_text() == "1"
    [notice] = page.select(".datong-notice")
    assert f"共享申请 {request['number']}：退回修改" in notice.get_text()
    notice_id = notice.select_one("input[name=id]")["value"]
    page = follow(client, fresh, "county", post(client, fresh, "county", "/sharing/notices/read",
                                                {"id": notice_id}, 302))
    assert page.select_one(".datong-notices-link .badge") is None
    assert page.select(".datong-unread") == []


# ------------------------------------------------------------------------------ entry page

@pytest.mark.parametrize("role, entry, shown", [
    ("county", "homes", True), ("other_dept", "homes", True), ("owner", "homes", False),
    ("citizen", "homes", False), ("anonymous", "homes", False), ("county", "marriage-offices", False),
])
def test_the_entry_page_offers_to_apply(client, world, role, entry, shown):
    response = client.get(f"/dataset/{entry}", headers=world.headers(role))
    if response.status_code != 200:
        assert not shown
        return
    link = BeautifulSoup(response.body, "html.parser").find("a", string="申请共享")
    assert (link is not None) is shown
    if shown:
        assert link["href"] == "/sharing/new?package_id=homes"


# ------------------------------------------------------------------------------ language

@pytest.mark.parametrize("role, path", [
    ("county", "/sharing/"), ("county", "/sharing/new?package_id=homes"),
    ("owner", "/sharing/inbox"), ("authority", "/sharing/queue"), ("owner", "/sharing/grants"),
    ("authority", "/sharing/audit"), ("county", "/sharing/scenarios"),
    ("authority", "/sharing/scenarios/new"), ("county", "/sharing/notices"),
    ("citizen", "/sharing/new"), ("county", "/sharing/no-such-request"),
])
def test_no_english_is_left_on_the_pages(client, fresh, role, path):
    request = submitted(fresh)
    fresh.call("authority", "datong_request_check", id=request["id"], outcome="pass")
    response = client.get(path, headers=fresh.headers(role))
    assert english(fresh, BeautifulSoup(response.body, "html.parser")) == [], path
    assert english(fresh, get(client, fresh, "owner", f"/sharing/{request['id']}")) == []
