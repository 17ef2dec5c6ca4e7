"""Pages of data sharing (数据共享): the request form, the request page with its decisions and
a form for each step the viewer may take, the lists (我的申请, 待我审核, the authority's
queue), grants, the audit log, application scenarios and the inbox of notices.

Thin, as CKAN's own views: parse the form, call the action, show the result, or the form
again with the actions' Chinese messages. Refusals (tk.NotAuthorized) and unknown ids
(tk.ObjectNotFound) reach the Chinese error pages of views/errors.py; visitors who are not
signed in are sent to the login page first.
"""
from __future__ import annotations

import datetime
import os
import re
from typing import Any, Iterator, Optional
from urllib.parse import quote

import ckan.model as model
import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, g, send_file, stream_with_context
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from ckanext.datong import access, clock, lists, vocabulary
from ckanext.datong.logic.action import audit as audit_action
from ckanext.datong.logic.action.audit import datong_audit_list_schema
from ckanext.datong.logic.schema import FREQUENCIES
from ckanext.datong.model import Grant, Request
from ckanext.datong.registration import workflow as registration
from ckanext.datong.sharing import attachments, audit, scenarios, workflow
from ckanext.datong.views.calls import call as _call, context as _context, may as _may

datong_sharing = Blueprint("datong_sharing", __name__, url_prefix="/sharing")

PAGE_SIZE = 50
INBOX_LIMIT = 500
CANDIDATE_LIMIT = 200
TABS = (("index", "我的申请"), ("inbox", "待我审核"), ("queue", "审核督办"), ("grants", "授权"),
        ("scenarios_list", "应用场景"), ("audit_log", "审计日志"), ("notices", "消息"))
STEPS: dict[str, tuple[str, Optional[str]]] = {
    **{name: (action, None) for action, name in workflow.SINGLE_STEPS.items()},
    **{name: (action, outcome) for action, outcomes in workflow.OUTCOMES.items()
       for outcome, name in outcomes.items()},
}
"""Each workflow transition a page offers: the action that applies it and its outcome."""
WITHOUT_REASON = ("submit", "withdraw")
STEP_STYLES = {"submit": "btn-primary", "check_pass": "btn-primary", "approve": "btn-primary",
               "settle_approve": "btn-primary", "check_reject": "btn-danger",
               "reject": "btn-danger", "settle_reject": "btn-danger"}
STEP_LABELS = {t.name: t.label
               for t in (*workflow.TRANSITIONS.values(), *workflow.AUTOMATIC.values())}
REQUEST_FIELDS = {
    "requester_org_id": "申请单位", "entries": "申请的数据", "scenario_id": "应用场景",
    "purpose": "使用用途", "basis": "申请依据", "start_date": "使用期限", "end_date": "使用期限",
    "frequency": "使用频度", "delivery": "共享方式", "territory": "属地范围",
    "contact_name": "联系人", "contact_phone": "联系电话", "commitment": "安全承诺", "state": "申请状态",
}
TEXT_FIELDS = ("requester_org_id", "scenario_id", "purpose", "basis", "start_date", "end_date",
               "frequency", "delivery", "territory", "contact_name", "contact_phone")
SCENARIO_FIELDS = {
    "name": "场景名称", "description": "场景说明", "legal_basis": "法律或政策依据",
    "requester_kinds": "适用单位类型", "coverage": "覆盖的数据", "max_grade": "最高分级",
    "max_days": "最长使用期限", "delivery_methods": "共享方式", "territory": "属地规则",
    "route": "审批路径", "state": "状态",
}
ALL_ITEMS = "全部信息项"
ALL_FILES = "全部文件"
AUDIT_PARAMS = ("action", "since", "until")
AUDIT_FIELDS = {"action": "操作", "since": "开始日期", "until": "结束日期"}
DETAIL_LABELS = {"number": "申请编号", "request": "申请编号", "from": "原状态", "to": "新状态",
                 "code": "登记编号", "state": "状态", "due": "办理期限", "reason": "理由", "rule": "规则",
                 "items": "信息项", "columns": "信息项", "region_code": "属地",
                 "regions": "属地", "valid_until": "有效期至", "channel": "渠道"}
WHOLE_DETAILS = {"items": ALL_ITEMS, "columns": ALL_ITEMS,
                 "region_code": scenarios.TERRITORY_LABELS["any"],
                 "regions": scenarios.TERRITORY_LABELS["any"]}
"""What an empty scope in an event's detail means."""
CHANNELS = {"download": "文件下载", "datastore_search": "数据接口查询"}
ENTRY_ROW = re.compile(r"^entries-(\d+)-package_id$")


# ------------------------------------------------------------------------------ plumbing

def _page() -> int:
    try:
        return max(1, int(tk.request.args.get("page", "1")))
    except ValueError:
        return 1


def _flat(value: Any, row: str = "第{}项") -> Iterator[str]:
    """Every message of an action's error value (text, list, or rows of dicts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _flat(item, row)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value, 1):
            prefix = row.format(index) + "：" if isinstance(item, dict) else ""
            yield from (prefix + message for message in _flat(item, row))


def _messages(error_dict: dict[str, Any], row: str = "第{}项") -> dict[str, list[str]]:
    """An action's errors as messages by field."""
    return {key: list(_flat(value, row)) for key, value in error_dict.items() if value}


def _summary(errors: dict[str, list[str]], labels: dict[str, str]) -> list[str]:
    """The errors as lines naming their field (unless the message names it already)."""
    lines = []
    for key, messages in errors.items():
        label = labels.get(key, "")
        lines.extend(f"{label}：{message}" if label and label not in message else message
                     for message in messages)
    return list(dict.fromkeys(lines))


def _day_text(day: Optional[str]) -> str:
    return clock.chinese_date(datetime.date.fromisoformat(day)) if day else ""


@datong_sharing.before_request
def _sign_in_first() -> Optional[ResponseReturnValue]:
    """Visitors go to the login page, and come back here once signed in."""
    if tk.current_user.is_authenticated:
        return None
    return tk.redirect_to("user.login", next=tk.request.full_path)


@datong_sharing.context_processor
def _tabs() -> dict[str, Any]:
    """The section's tabs the user may use (worked out once a request: snippets render too)."""
    if "datong_sharing_tabs" not in g:
        g.datong_sharing_tabs = _visible_tabs()
    return {"sharing_tabs": g.datong_sharing_tabs}


def _visible_tabs() -> list[dict[str, Any]]:
    who = access.current_viewer()
    may = {
        "index": _may("datong_request_list", role="mine"),
        "inbox": any(workflow.is_provider_staff(who, org_id) for org_id in who.org_ids),
        "queue": _may("datong_request_list", role="authority"),
        "grants": _may("datong_grant_list"), "scenarios_list": _may("datong_scenario_list"),
        "audit_log": _may("datong_audit_list"), "notices": _may("datong_notice_list"),
    }
    current = tk.request.endpoint or ""
    return [{"url": tk.h.url_for(f"datong_sharing.{name}"), "label": label,
             "active": current == f"datong_sharing.{name}"}
            for name, label in TABS if may[name]]


# ------------------------------------------------------------------------------ requests shown

def _countdown(request: dict[str, Any]) -> str:
    """Days to the current step's deadline, in words."""
    if not request.get("due_date") or request["state"] not in workflow.RUNNING:
        return ""
    left = (datetime.date.fromisoformat(request["due_date"]) - clock.now().date()).days
    if left < 0:
        return f"已超期{-left}天"
    return "今天到期" if left == 0 else f"剩余{left}天"


def _shown(request: dict[str, Any]) -> dict[str, Any]:
    """A request dict with the texts the pages show."""
    request["countdown"] = _countdown(request)
    request["period_text"] = f"{_day_text(request['start_date'])}至{_day_text(request['end_date'])}"
    for entry in request["entries"]:
        entry["items_text"] = "、".join(entry["items"]) if entry["items"] else ALL_ITEMS
        entry["files_text"] = _file_name(entry["resource_id"]) if entry["resource_id"] else ALL_FILES
    for decision in request.get("decisions", []):
        decision["step"] = STEP_LABELS.get(decision["transition"], decision["to_label"])
    for grant in request.get("grants", []):
        _grant_texts(grant)
    return request


def _file_name(resource_id: str) -> str:
    resource = model.Resource.get(resource_id)
    return (resource.name or resource.id) if resource is not None else resource_id


def _grant_texts(grant: dict[str, Any]) -> dict[str, Any]:
    grant["items_text"] = "、".join(grant["items"]) if grant["items"] else ALL_ITEMS
    grant["territory_text"] = (vocabulary.label("regions", grant["region_code"])
                               if grant["region_code"] else scenarios.TERRITORY_LABELS["any"])
    return grant


def _visible_request(request_id: str) -> dict[str, Any]:
    """The request, or not found (also when the user may not see it)."""
    try:
        return _call("datong_request_show", id=request_id)
    except tk.NotAuthorized:
        raise tk.ObjectNotFound("未找到该共享申请")


def _outcome(request: dict[str, Any]) -> str:
    """What submission did, for the flash message."""
    rule = request["decisions"][-1]["rule"] if request["decisions"] else ""
    due = f"，办理期限至{request['due_text']}" if request["due_text"] else ""
    if request["state"] == workflow.APPROVED:
        return f"申请{request['number']}已自动批准：{rule}"
    if request["state"] == workflow.REJECTED:
        return f"申请{request['number']}已被自动驳回：{rule}"
    waiting = "数据主管部门符合性审核" if request["state"] == workflow.CHECKING else "提供部门审核"
    return f"申请{request['number']}已提交，等待{waiting}{due}。{rule}"


# ------------------------------------------------------------------------------ the form

def _parsed(form: MultiDict) -> dict[str, Any]:
    """The request form as datong_request_create takes it."""
    data: dict[str, Any] = {key: form.get(key, "").strip() for key in TEXT_FIELDS}
    if not data["requester_org_id"]:
        del data["requester_org_id"]
    rows = sorted(int(match.group(1)) for match in map(ENTRY_ROW.match, form) if match)
    data["entries"] = [{"package_id": form[f"entries-{row}-package_id"],
                        "items": form.getlist(f"entries-{row}-items") or None} for row in rows]
    data["commitment"] = bool(form.get("commitment"))
    return data


def _from_request(request: dict[str, Any]) -> dict[str, Any]:
    """A stored request as the form shows it."""
    data = {key: request.get(key) or "" for key in TEXT_FIELDS}
    data["requester_org_id"] = request["requester_org"]["id"]
    data["entries"] = [{"package_id": e["package_id"], "items": e["items"]}
                       for e in request["entries"]]
    data["commitment"] = request["commitment"]
    return data


def _blank(package_id: str) -> dict[str, Any]:
    """A new request's form, for `package_id` when given."""
    return {"entries": [{"package_id": package_id, "items": None}] if package_id else [],
            "start_date": clock.now().date().isoformat(), "end_date": "", "territory": "any",
            "contact_name": tk.current_user.fullname or "", "commitment": False}


def _entry_shown(row: int, wanted: dict[str, Any]) -> dict[str, Any]:
    """An entry of the form with its 信息项, as the user sees it."""
    shown = {"row": row, "package_id": wanted["package_id"], "chosen": wanted.get("items") or [],
             "title": wanted["package_id"], "provider": "", "owner_org": "", "items": []}
    try:
        entry = _call("package_show", id=wanted["package_id"])
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return dict(shown, missing=True)
    return dict(shown, package_id=entry["id"], name=entry["name"],
                title=entry.get("title") or entry["name"],
                provider=(entry.get("organization") or {}).get("title", ""),
                owner_org=entry.get("owner_org") or "",
                items=[str(item.get("item_name")) for item in entry.get("items") or []])


def _candidates(provider: str, chosen: set[str], own: set[str]) -> list[dict[str, Any]]:
    """Conditionally shared entries the user may add, by provider: of `provider` once an
    entry is chosen, else of every provider but the user's own."""
    conditional = vocabulary.values("share_types")[1]
    query = [f'share_type:"{conditional}"'] + ([f'owner_org:"{provider}"'] if provider else [])
    found = _call("package_search", fq=" AND ".join(query), rows=CANDIDATE_LIMIT,
                  include_private=True, sort="title_string asc")["results"]
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in found:
        if entry["id"] in chosen or entry.get("owner_org") in own:
            continue
        org = (entry.get("organization") or {}).get("title", "")
        groups.setdefault(org, []).append({"name": entry["name"], "title": entry["title"]})
    return [{"provider": org, "entries": entries} for org, entries in sorted(groups.items())]


def _form(data: dict[str, Any], request_id: Optional[str] = None,
          errors: Optional[dict[str, Any]] = None, note: str = "") -> str:
    """The request form with `data` and the action's errors."""
    messages = _messages(errors or {})
    entries = [_entry_shown(row, wanted) for row, wanted in enumerate(data.get("entries") or [])]
    orgs = _call("organization_list_for_user", permission="read")
    own = {org["id"] for org in orgs}
    provider = next((e["owner_org"] for e in entries if e["owner_org"]), "")
    return tk.render("sharing/form.html", extra_vars={
        "data": data, "entries": entries, "errors": messages,
        "summary": _summary(messages, REQUEST_FIELDS), "note": note,
        "req": _call("datong_request_show", id=request_id) if request_id else None,
        "orgs": orgs, "scenarios": _call("datong_scenario_list"),
        "candidates": _candidates(provider, {e["package_id"] for e in entries}, own),
        "frequencies": FREQUENCIES, "deliveries": vocabulary.values("share_methods"),
    })


def _edited_entries(data: dict[str, Any],
                    form: MultiDict) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form after its 添加 or 移除 button: the entries changed, and any error."""
    entries = data["entries"]
    if "remove_entry" in form:
        row = int(form["remove_entry"]) if form["remove_entry"].isdigit() else -1
        data["entries"] = [e for index, e in enumerate(entries) if index != row]
        return data, {}
    wanted = form.get("new_entry_name", "").strip() or form.get("new_entry", "").strip()
    if not wanted:
        return data, {"entries": ["请选择或填写要添加的数据目录"]}
    try:
        entry = _call("package_show", id=wanted)
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return data, {"entries": [f"找不到数据目录“{wanted}”，或您无权查看"]}
    if entry["id"] not in {e["package_id"] for e in entries}:
        entries.append({"package_id": entry["id"], "items": None})
    return data, {}


def _save(request_id: Optional[str]) -> ResponseReturnValue:
    """Save the form as a draft, then submit it when 提交申请 was pressed."""
    form = tk.request.form
    data = _parsed(form)
    if "add_entry" in form or "remove_entry" in form:
        data, errors = _edited_entries(data, form)
        return _form(data, request_id, errors)
    try:
        if request_id:
            saved = _call("datong_request_update", id=request_id, **data)
        else:
            saved = _call("datong_request_create", **data)
    except tk.ValidationError as error:
        return _form(data, request_id, error.error_dict)
    if form.get("save") != "submit":
        tk.h.flash_success(f"草稿已保存，申请编号{saved['number']}")
        return tk.redirect_to("datong_sharing.read", request_id=saved["id"])
    try:
        submitted = _call("datong_request_submit", id=saved["id"])
    except tk.ValidationError as error:
        return _form(data, saved["id"], error.error_dict, note="申请已保存为草稿，尚未提交")
    tk.h.flash_success(_outcome(submitted))
    return tk.redirect_to("datong_sharing.read", request_id=saved["id"])


@datong_sharing.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """申请共享: the form for a new request (?package_id= prefills the first entry)."""
    tk.check_access("datong_request_create", _context(), {})
    if tk.request.method == "POST":
        return _save(None)
    return _form(_blank(tk.request.args.get("package_id", "").strip()))


@datong_sharing.route("/<request_id>/edit", methods=["GET", "POST"])
def edit(request_id: str) -> ResponseReturnValue:
    """The form of a draft or returned request."""
    request = _visible_request(request_id)
    if request["kind"] == Request.KIND_OPENING:
        return tk.redirect_to("datong_opening.edit", request_id=request_id)
    tk.check_access("datong_request_update", _context(), {"id": request_id})
    if request["state"] not in (workflow.DRAFT, workflow.RETURNED):
        tk.h.flash_error(f"该申请当前为“{request['state_label']}”，不能修改")
        return tk.redirect_to("datong_sharing.read", request_id=request_id)
    if tk.request.method == "POST":
        return _save(request_id)
    return _form(_from_request(request), request_id)


# ------------------------------------------------------------------------------ the request page

def _step_forms(request: dict[str, Any]) -> list[dict[str, Any]]:
    """A form for each step the viewer may take now."""
    return [{"name": name, "label": workflow.TRANSITIONS[name].label,
             "reason": name not in WITHOUT_REASON,
             "required": workflow.TRANSITIONS[name].reason_required,
             "style": STEP_STYLES.get(name, "btn-default")}
            for name in request["actions"] if name in STEPS]


def _read(request_id: str, failed: Optional[dict[str, Any]] = None,
          attach_errors: Optional[list[str]] = None) -> str:
    request = _shown(_visible_request(request_id))
    return tk.render("sharing/read.html", extra_vars={
        "req": request, "steps": _step_forms(request), "failed": failed or {},
        "editable": "submit" in request["actions"], "attach_errors": attach_errors or []})


@datong_sharing.route("/<request_id>", methods=["GET"])
def read(request_id: str) -> ResponseReturnValue:
    """A request: its fields, deadline, decisions, grants and the viewer's steps."""
    return _read(request_id)


@datong_sharing.route("/<request_id>/act", methods=["POST"])
def act(request_id: str) -> ResponseReturnValue:
    """Apply one step (form field `transition`, with `reason`)."""
    name = tk.request.form.get("transition", "")
    if name not in STEPS:
        raise tk.ValidationError({"transition": ["未知的操作"]})
    action, outcome = STEPS[name]
    reason = tk.request.form.get("reason", "")
    data = {"id": request_id, "reason": reason, **({"outcome": outcome} if outcome else {})}
    try:
        done = _call(action, **data)
    except tk.ValidationError as error:
        return _read(request_id, {"name": name, "label": STEP_LABELS[name], "reason": reason,
                                  "messages": list(_flat(error.error_dict))})
    if name == "submit":
        tk.h.flash_success(_outcome(done))
    else:
        tk.h.flash_success(
            f"已{STEP_LABELS[name]}：申请{done['number']}现为“{done['state_label']}”")
    return tk.redirect_to("datong_sharing.read", request_id=request_id)


@datong_sharing.route("/<request_id>/attachments", methods=["POST"])
def attach(request_id: str) -> ResponseReturnValue:
    """Attach the uploaded file to a draft or returned request."""
    try:
        _call("datong_request_attach", id=request_id, upload=tk.request.files.get("upload"))
    except tk.ValidationError as error:
        return _read(request_id, attach_errors=list(_flat(error.error_dict)))
    tk.h.flash_success("附件已上传")
    return tk.redirect_to("datong_sharing.read", request_id=request_id)


@datong_sharing.route("/<request_id>/attachments/<attachment_id>/delete", methods=["POST"])
def detach(request_id: str, attachment_id: str) -> ResponseReturnValue:
    """Remove an attachment of a draft or returned request."""
    _call("datong_request_detach", id=request_id, attachment_id=attachment_id)
    tk.h.flash_success("附件已删除")
    return tk.redirect_to("datong_sharing.read", request_id=request_id)


@datong_sharing.route("/<request_id>/attachments/<attachment_id>", methods=["GET"])
def attachment(request_id: str, attachment_id: str) -> ResponseReturnValue:
    """An attachment, for whoever may see the request, under its original name."""
    _visible_request(request_id)
    stored = model.Session.get(Request, request_id)
    found = attachments.find(stored, attachment_id)
    extension = os.path.splitext(found["name"])[1].lower()
    return send_file(attachments.path(stored, found), mimetype=attachments.KINDS[extension],
                     as_attachment=True, download_name=found["name"])


# ------------------------------------------------------------------------------ lists

def _states(*left_out: str) -> list[tuple[str, str]]:
    return [(state, label) for state, label in workflow.STATE_LABELS.items()
            if state not in left_out]


@datong_sharing.route("/", methods=["GET"])
def index() -> ResponseReturnValue:
    """我的申请: my organizations' requests, newest first, by state."""
    state, page = tk.request.args.get("state", ""), _page()
    found = _call("datong_request_list", role="mine", state=state, limit=PAGE_SIZE,
                  offset=(page - 1) * PAGE_SIZE)
    return tk.render("sharing/index.html", extra_vars={
        "requests": [_shown(r) for r in found["results"]], "count": found["count"],
        "state": state, "states": _states(), "page": page,
        "pages": max(1, -(-found["count"] // PAGE_SIZE))})


@datong_sharing.route("/inbox", methods=["GET"])
def inbox() -> ResponseReturnValue:
    """待我审核: requests for my departments' data, overdue first, then by deadline."""
    state = tk.request.args.get("state", workflow.REVIEWING)
    found = _call("datong_request_list", role="provider", state=state, limit=INBOX_LIMIT)
    requests = sorted((_shown(r) for r in found["results"]),
                      key=lambda r: (not r["overdue"], r["due_date"] or "9999-12-31"))
    return tk.render("sharing/inbox.html", extra_vars={
        "requests": requests, "count": found["count"], "state": state,
        "states": _states(workflow.DRAFT)})


@datong_sharing.route("/queue", methods=["GET"])
def queue() -> ResponseReturnValue:
    """The authority's queue: counts by state, the requests of one state (待符合性审核 first),
    the overdue ones, and those whose deadline is an estimate."""
    state = tk.request.args.get("state", workflow.CHECKING)
    counts = [(code, label, _call("datong_request_list", role="authority", state=code,
                                  limit=1)["count"]) for code, label in _states(workflow.DRAFT)]
    listed = _call("datong_request_list", role="authority", state=state, limit=INBOX_LIMIT)
    overdue = _call("datong_request_list", role="authority", overdue=True, limit=INBOX_LIMIT)
    running = [r for code in workflow.RUNNING for r in _call(
        "datong_request_list", role="authority", state=code, limit=INBOX_LIMIT)["results"]]
    by_deadline = (lambda r: r["due_date"] or "9999-12-31")
    return tk.render("sharing/queue.html", extra_vars={
        "counts": counts, "state": state, "state_label": workflow.STATE_LABELS.get(state, ""),
        "requests": sorted((_shown(r) for r in listed["results"]), key=by_deadline),
        "overdue": sorted((_shown(r) for r in overdue["results"]), key=by_deadline),
        "estimated": sorted((_shown(r) for r in running if r["due_note"]), key=by_deadline)})


# ------------------------------------------------------------------------------ grants

def _grants(failed: Optional[dict[str, Any]] = None) -> str:
    grants = [_grant_texts(found) for found in _call("datong_grant_list")]
    for grant in grants:
        grant["revocable"] = (grant["state"] == Grant.STATE_ACTIVE
                              and _may("datong_grant_revoke", id=grant["id"]))
    return tk.render("sharing/grants.html", extra_vars={"grants": grants, "failed": failed or {}})


@datong_sharing.route("/grants", methods=["GET"])
def grants() -> ResponseReturnValue:
    """Grants to my organizations and on my departments' data (the authority: all)."""
    return _grants()


@datong_sharing.route("/grants/<grant_id>/revoke", methods=["POST"])
def revoke(grant_id: str) -> ResponseReturnValue:
    """Revoke a grant, with the reason."""
    reason = tk.request.form.get("reason", "")
    try:
        _call("datong_grant_revoke", id=grant_id, reason=reason)
    except tk.ValidationError as error:
        return _grants({"id": grant_id, "reason": reason,
                        "messages": list(_flat(error.error_dict))})
    tk.h.flash_success("授权已撤销，被授权单位即时失去访问权限")
    return tk.redirect_to("datong_sharing.grants")


# ------------------------------------------------------------------------------ audit log

def _audit_params() -> dict[str, str]:
    args = tk.request.args
    return {key: args[key].strip() for key in AUDIT_PARAMS if args.get(key, "").strip()}


def _detail_value(key: str, value: Any) -> str:
    """One value of an event's detail as people read it."""
    if key in WHOLE_DETAILS:
        values = [value] if isinstance(value, str) else value or []
        return "、".join(vocabulary.label("regions", v) if "region" in key else v
                        for v in values) or WHOLE_DETAILS[key]
    if key in ("from", "to", "state"):
        return workflow.STATE_LABELS.get(value) or registration.STATE_LABELS.get(value, value)
    if key == "valid_until":
        return clock.beijing_text(value)
    if key == "due":
        return _day_text(value)
    return CHANNELS.get(value, value) if key == "channel" else str(value)


def _detail_text(event: dict[str, Any]) -> str:
    """An event's detail in words (the keys people read; ids left out)."""
    detail = event.get("detail") or {}
    return "；".join(f"{label}：{_detail_value(key, detail[key])}"
                    for key, label in DETAIL_LABELS.items()
                    if key in detail and (key in WHOLE_DETAILS or detail[key] not in (None, "")))


def _audit_page(verification: Optional[dict[str, Any]] = None) -> str:
    params, page = _audit_params(), _page()
    try:
        found = _call("datong_audit_list", **params, limit=PAGE_SIZE,
                      offset=(page - 1) * PAGE_SIZE)
        errors: dict[str, list[str]] = {}
    except tk.ValidationError as error:
        found, errors = {"count": 0, "results": []}, _messages(error.error_dict)
    for event in found["results"]:
        event["detail_text"] = _detail_text(event)
    return tk.render("sharing/audit.html", extra_vars={
        "events": found["results"], "count": found["count"], "params": params, "page": page,
        "pages": max(1, -(-found["count"] // PAGE_SIZE)), "actions": audit.ACTION_LABELS,
        "object_types": audit.OBJECT_TYPE_LABELS,
        "errors": _summary(errors, AUDIT_FIELDS), "verification": verification,
        "may_verify": _may("datong_audit_verify")})


@datong_sharing.route("/audit", methods=["GET"])
def audit_log() -> ResponseReturnValue:
    """The audit log, newest first, by action and Beijing date range."""
    return _audit_page()


@datong_sharing.route("/audit/verify", methods=["POST"])
def audit_verify() -> ResponseReturnValue:
    """Recompute the SM3 chain (the authority) and show the result."""
    return _audit_page(_call("datong_audit_verify"))


def _audit_filters(params: dict[str, str]) -> audit.Filters:
    """The events datong_audit_list would list for these parameters."""
    context = _context()
    data, errors = tk.navl_validate(dict(params), datong_audit_list_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    return audit_action.filters_for(context, data)


@datong_sharing.route("/audit.csv", methods=["GET"])
def audit_csv() -> ResponseReturnValue:
    """The audit log as CSV (UTF-8 with a byte-order mark, Chinese headers)."""
    params = _audit_params()
    tk.check_access("datong_audit_list", _context(), params)
    filters = _audit_filters(params)
    name = f"审计日志-{clock.now():%Y%m%d}.csv"
    return Response(stream_with_context(audit.csv_lines(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv; "
                                                    f"filename*=UTF-8''{quote(name)}"})


# ------------------------------------------------------------------------------ scenarios

def _coverage(text: str) -> list[dict[str, Any]]:
    """Lines `URL名或ID：信息项1、信息项2` (no items: every item) as the scenario's coverage."""
    coverage = []
    for line in text.splitlines():
        entry, _, items = line.replace("：", ":").partition(":")
        if entry.strip():
            coverage.append({"package_id": entry.strip(), "items": lists.split(items) or None})
    return coverage


def _coverage_text(coverage: list[dict[str, Any]]) -> str:
    return "\n".join((c["name"] or c["package_id"])
                     + ("：" + "、".join(c["items"]) if c["items"] else "") for c in coverage)


def _scenario_parsed(form: MultiDict) -> dict[str, Any]:
    data: dict[str, Any] = {key: form.get(key, "").strip() for key in (
        "name", "description", "legal_basis", "max_grade", "max_days", "territory", "route")}
    data.update(state=form.get("state") or "active", coverage=_coverage(form.get("coverage", "")),
                coverage_text=form.get("coverage", ""),
                requester_kinds=form.getlist("requester_kinds"),
                requester_org_ids=form.getlist("requester_org_ids"),
                delivery_methods=form.getlist("delivery_methods"))
    return data


def _scenario_form(data: dict[str, Any], scenario_id: Optional[str] = None,
                   errors: Optional[dict[str, Any]] = None) -> str:
    messages = _messages(errors or {}, row="第{}行")
    return tk.render("sharing/scenario_form.html", extra_vars={
        "data": data, "scenario_id": scenario_id, "errors": messages,
        "summary": _summary(messages, SCENARIO_FIELDS),
        "kinds": vocabulary.values("org_kinds"), "grades": vocabulary.values("grades"),
        "methods": vocabulary.values("share_methods"), "routes": scenarios.ROUTE_LABELS,
        "territories": scenarios.TERRITORY_LABELS})


def _scenario_save(scenario_id: Optional[str]) -> ResponseReturnValue:
    data = _scenario_parsed(tk.request.form)
    fields = {key: value for key, value in data.items() if key != "coverage_text"}
    try:
        if scenario_id:
            saved = _call("datong_scenario_update", id=scenario_id, **fields)
        else:
            saved = _call("datong_scenario_create", **fields)
    except tk.ValidationError as error:
        return _scenario_form(data, scenario_id, error.error_dict)
    tk.h.flash_success(f"应用场景「{saved['name']}」已保存")
    return tk.redirect_to("datong_sharing.scenarios_list")


@datong_sharing.route("/scenarios", methods=["GET"])
def scenarios_list() -> ResponseReturnValue:
    """The application scenarios and their rules."""
    return tk.render("sharing/scenarios.html", extra_vars={
        "scenarios": _call("datong_scenario_list"), "may_edit": _may("datong_scenario_create")})


@datong_sharing.route("/scenarios/new", methods=["GET", "POST"])
def scenario_new() -> ResponseReturnValue:
    """A new scenario (the data authority)."""
    tk.check_access("datong_scenario_create", _context(), {})
    if tk.request.method == "POST":
        return _scenario_save(None)
    return _scenario_form({"state": "active", "territory": "any", "route": "provider_authority",
                           "requester_kinds": [], "delivery_methods": [], "requester_org_ids": []})


@datong_sharing.route("/scenarios/<scenario_id>/edit", methods=["GET", "POST"])
def scenario_edit(scenario_id: str) -> ResponseReturnValue:
    """Change a scenario (the data authority)."""
    tk.check_access("datong_scenario_update", _context(), {"id": scenario_id})
    if tk.request.method == "POST":
        return _scenario_save(scenario_id)
    scenario = _call("datong_scenario_show", id=scenario_id)
    return _scenario_form(dict(scenario, coverage_text=_coverage_text(scenario["coverage"])),
                          scenario_id)


# ------------------------------------------------------------------------------ notices

@datong_sharing.route("/notices", methods=["GET"])
def notices() -> ResponseReturnValue:
    """消息: the user's notices, newest first."""
    return tk.render("sharing/notices.html", extra_vars=_call("datong_notice_list"))


@datong_sharing.route("/notices/read", methods=["POST"])
def notices_read() -> ResponseReturnValue:
    """Mark one notice (`id`) or all as read."""
    notice_id = tk.request.form.get("id", "")
    _call("datong_notice_read", **({"id": notice_id} if notice_id else {}))
    return tk.redirect_to("datong_sharing.notices")
