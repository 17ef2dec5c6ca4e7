"""Pages of data asset registration (数据资产登记, docs/registration.md).

Public, no account needed: the public notice (公示) with each objection deadline, the
register (登记簿), a certificate per 登记编号 (printable, and as PDF) and the verification of
the whole chain. Signed in: the application form, my registrations, the authority's review
queue, and a record's page with its history and a form for each step the viewer may take.
Thin: parse, call the action, show the result or the form again with its Chinese messages.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional
from urllib.parse import quote

import ckan.model as model
import ckan.plugins.toolkit as tk
from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from ckanext.datong import access, clock
from ckanext.datong.registration import certificate, workflow
from ckanext.datong.views.calls import call as _call, context as _context, may as _may

datong_registration = Blueprint("datong_registration", __name__, url_prefix="/registration")

PAGE_SIZE = 50
FIELD_LABELS = {
    "package_id": "关联数据目录", "object": "登记对象", "name": "登记名称", "summary": "摘要",
    "source_basis": "来源与合法性依据", "holder_resource": "数据资源持有权人",
    "holder_processing": "数据加工使用权人", "holder_operation": "数据产品经营权人",
    "scale": "数据规模", "data_format": "数据格式", "valid_from": "有效期起始日期",
    "valid_until": "有效期截止日期", "reg_type": "登记类型", "reason": "理由", "state": "登记状态",
    "objection_id": "异议", "outcome": "处理结果",
}
STEPS: dict[str, tuple[str, Optional[str]]] = {
    **{name: (action, outcome) for action, outcomes in workflow.OUTCOMES.items()
       for outcome, name in outcomes.items()},
    "object": ("datong_registration_object", None), "issue": ("datong_registration_issue", None),
}
"""Each transition a record's page offers: the action that applies it and its outcome."""
ON_OBJECTIONS = ("uphold", "dismiss")
"""Steps taken on one open objection (one form per objection)."""
STEP_STYLES = {"accept": "btn-primary", "review_pass": "btn-primary", "issue": "btn-primary",
               "change_approve": "btn-primary", "not_accept": "btn-danger",
               "review_refuse": "btn-danger", "uphold": "btn-danger"}




def _messages(error_dict: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in error_dict.items():
        for message in value if isinstance(value, list) else [value]:
            label = FIELD_LABELS.get(key, "")
            text = str(message)
            lines.append(f"{label}：{text}" if label and label not in text else text)
    return list(dict.fromkeys(lines))


def _sign_in() -> Optional[ResponseReturnValue]:
    if tk.current_user.is_authenticated:
        return None
    return tk.redirect_to("user.login", next=tk.request.full_path)


def _page() -> int:
    try:
        return max(1, int(tk.request.args.get("page", "1")))
    except ValueError:
        return 1


def _day(value: Optional[str]) -> str:
    return clock.chinese_date(datetime.date.fromisoformat(value)) if value else ""


@datong_registration.context_processor
def _tabs() -> dict[str, Any]:
    signed_in = tk.current_user.is_authenticated
    tabs = [("index", "登记公示", True), ("register", "登记簿", True),
            ("verify", "证书校验", True),
            ("mine", "我的登记", signed_in and _may("datong_registration_create")),
            ("queue", "登记审核", signed_in and _may("datong_registration_list", role="authority"))]
    current = tk.request.endpoint or ""
    return {"registration_tabs": [
        {"url": tk.h.url_for(f"datong_registration.{name}"), "label": label,
         "active": current == f"datong_registration.{name}"}
        for name, label, shown in tabs if shown],
        "registration_day": _day}


def _list(role: str, template: str, **extra: Any) -> str:
    page = _page()
    state = tk.request.args.get("state", "") if role in ("mine", "authority") else ""
    found = _call("datong_registration_list", role=role, state=state, limit=PAGE_SIZE,
                  offset=(page - 1) * PAGE_SIZE)
    for record in found["results"]:
        record["notice_text"] = _day(record["notice_until"])
    return tk.render(template, extra_vars={
        "records": found["results"], "count": found["count"], "page": page, "state": state,
        "states": list(workflow.STATE_LABELS.items()),
        "pages": max(1, -(-found["count"] // PAGE_SIZE)), "endpoint": tk.request.endpoint,
        **extra})


# ------------------------------------------------------------------------------ public pages

@datong_registration.route("/", methods=["GET"])
def index() -> ResponseReturnValue:
    """登记公示: records in public notice, each with the last day objections are taken."""
    return _list("notice", "registration/notice.html")


@datong_registration.route("/register", methods=["GET"])
def register() -> ResponseReturnValue:
    """登记簿: issued registrations (and those being changed or cancelled)."""
    return _list("register", "registration/register.html")


def _shown(key: str) -> dict[str, Any]:
    """The record, or not found (also when the user may not see it)."""
    try:
        return _call("datong_registration_show", id=key)
    except tk.NotAuthorized:
        raise tk.ObjectNotFound(workflow.NOT_FOUND)


def _certificate_record(code: str) -> dict[str, Any]:
    record = _shown(code)
    if not record.get("code") or record["code"] != code:
        raise tk.ObjectNotFound(workflow.NOT_FOUND)
    return record


@datong_registration.route("/certificate/<code>", methods=["GET"])
def certificate_page(code: str) -> ResponseReturnValue:
    """The certificate of one 登记编号: the current version and the history (print CSS)."""
    record = _certificate_record(code)
    return tk.render("registration/certificate.html", extra_vars={
        "record": record, "rows": certificate.fields(record)})


@datong_registration.route("/certificate/<code>/pdf", methods=["GET"])
def certificate_pdf(code: str) -> ResponseReturnValue:
    """The certificate as a PDF download."""
    record = _certificate_record(code)
    body = certificate.pdf(record, tk.h.url_for("datong_registration.verify", _external=True))
    name = quote(f"数据资产登记证书-{code}.pdf")
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={code}.pdf; filename*=UTF-8''{name}"})


@datong_registration.route("/verify", methods=["GET"])
def verify() -> ResponseReturnValue:
    """证书校验: the whole chain recomputed now, and a certificate looked up by 登记编号."""
    code = tk.request.args.get("code", "").strip()
    found, missing = None, False
    if code:
        try:
            found = _certificate_record(code)
        except (tk.ObjectNotFound, tk.NotAuthorized):
            missing = True
    result = _call("datong_registration_verify")
    if found:
        result["record_problems"] = [p for p in result["problems"]
                                     if p["record"] in (found["code"], found["number"])]
    return tk.render("registration/verify.html", extra_vars={
        "result": result, "code": code, "found": found, "missing": missing})


# ------------------------------------------------------------------------------ signed in

@datong_registration.route("/mine", methods=["GET"])
def mine() -> ResponseReturnValue:
    """我的登记: my departments' records."""
    return _sign_in() or _list("mine", "registration/list.html", title="我的登记")


@datong_registration.route("/queue", methods=["GET"])
def queue() -> ResponseReturnValue:
    """登记审核: every record, by state, for the authority."""
    return _sign_in() or _list("authority", "registration/list.html", title="登记审核")


def _held_entries() -> list[dict[str, Any]]:
    """The active entries of the organizations the user edits, for the form's choice."""
    viewer = access.current_viewer()
    held = [org_id for org_id in viewer.org_ids if workflow.is_holder(viewer, org_id)]
    rows = model.Session.query(model.Package.id, model.Package.title, model.Group.title).join(
        model.Group, model.Group.id == model.Package.owner_org).filter(
        model.Package.owner_org.in_(held), model.Package.state == model.State.ACTIVE,
        model.Package.type == "dataset").order_by(model.Group.title, model.Package.title).all()
    return [{"id": row[0], "title": row[1], "org": row[2]} for row in rows]


def _parsed() -> dict[str, Any]:
    form = tk.request.form
    return {key: form.get(key, "").strip() for key in (*workflow.CONTENT_FIELDS, "package_id",
                                                       "reg_type", "reason")}


def _form(data: dict[str, Any], mode: str, record: Optional[dict[str, Any]] = None,
          errors: Optional[list[str]] = None) -> str:
    return tk.render("registration/form.html", extra_vars={
        "data": data, "mode": mode, "record": record, "errors": errors or [],
        "entries": _held_entries() if mode == "new" else [], "objects": workflow.OBJECTS,
        "change_types": [(key, workflow.TYPE_LABELS[key]) for key in (
            workflow.CHANGE, workflow.CORRECTION, workflow.CANCELLATION)]})


@datong_registration.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """The 首次 application form."""
    refused = _sign_in()
    if refused:
        return refused
    tk.check_access("datong_registration_create", _context(), {})
    if tk.request.method != "POST":
        return _form({"object": workflow.OBJECTS[0],
                      "package_id": tk.request.args.get("package_id", "")}, "new")
    data = _parsed()
    try:
        done = _call("datong_registration_create", **{k: data[k] for k in (
            *workflow.CONTENT_FIELDS, "package_id")})
    except tk.ValidationError as error:
        return _form(data, "new", errors=_messages(error.error_dict))
    tk.h.flash_success(f"登记申请已提交，申请编号{done['number']}，请等待数据主管部门受理")
    return tk.redirect_to("datong_registration.read", registration_id=done["id"])


def _content_form(registration_id: str, mode: str) -> ResponseReturnValue:
    refused = _sign_in()
    if refused:
        return refused
    record = _shown(registration_id)
    action = "datong_registration_update" if mode == "edit" else "datong_registration_change"
    tk.check_access(action, _context(), {"id": record["id"]})
    step = "resubmit" if mode == "edit" else "file_change"
    if step not in record["actions"]:
        raise tk.NotAuthorized(f"该登记当前为“{record['state_label']}”，"
                               f"不能{workflow.TRANSITIONS[step].label}")
    if tk.request.method != "POST":
        return _form({**record["content"], "reg_type": workflow.CHANGE}, mode, record)
    data = _parsed()
    fields = {k: data[k] for k in workflow.CONTENT_FIELDS}
    if mode == "change":
        fields.update(reg_type=data["reg_type"], reason=data["reason"])
    try:
        done = _call(action, id=record["id"], **fields)
    except tk.ValidationError as error:
        return _form(data, mode, record, _messages(error.error_dict))
    tk.h.flash_success(f"已提交：登记{done['code'] or done['number']}现为“{done['state_label']}”")
    return tk.redirect_to("datong_registration.read", registration_id=done["id"])


@datong_registration.route("/<registration_id>/edit", methods=["GET", "POST"])
def edit(registration_id: str) -> ResponseReturnValue:
    """Correct and resubmit an application returned for correction."""
    return _content_form(registration_id, "edit")


@datong_registration.route("/<registration_id>/change", methods=["GET", "POST"])
def change(registration_id: str) -> ResponseReturnValue:
    """File a 变更, 更正 or 注销 of an issued registration."""
    return _content_form(registration_id, "change")


def _read(registration_id: str, failed: Optional[dict[str, Any]] = None) -> str:
    record = _shown(registration_id)
    steps = [{"name": name, "label": workflow.TRANSITIONS[name].label,
              "required": workflow.TRANSITIONS[name].reason_required,
              "reason": name != "issue", "style": STEP_STYLES.get(name, "btn-default")}
             for name in record["actions"] if name in STEPS and name not in ON_OBJECTIONS]
    settling = [name for name in record["actions"] if name in ON_OBJECTIONS]
    return tk.render("registration/read.html", extra_vars={
        "record": record, "steps": steps, "settling": settling, "failed": failed or {},
        "labels": {name: t.label for name, t in workflow.TRANSITIONS.items()},
        "editable": "resubmit" in record["actions"],
        "changeable": "file_change" in record["actions"]})


@datong_registration.route("/<registration_id>", methods=["GET"])
def read(registration_id: str) -> ResponseReturnValue:
    """A record: its fields, objections, history and the viewer's steps."""
    return _read(registration_id)


@datong_registration.route("/<registration_id>/act", methods=["POST"])
def act(registration_id: str) -> ResponseReturnValue:
    """Apply one step (form fields `transition`, `reason`, and `objection_id` to settle one)."""
    refused = _sign_in()
    if refused:
        return refused
    name = tk.request.form.get("transition", "")
    if name not in STEPS:
        raise tk.ValidationError({"transition": ["未知的操作"]})
    action, outcome = STEPS[name]
    reason = tk.request.form.get("reason", "")
    data = {"id": registration_id, "reason": reason,
            "objection_id": tk.request.form.get("objection_id", ""),
            **({"outcome": outcome} if outcome else {})}
    try:
        done = _call(action, **data)
    except tk.ValidationError as error:
        return _read(registration_id, {"label": workflow.TRANSITIONS[name].label,
                                       "messages": _messages(error.error_dict)})
    if name == "issue" and done["state"] == workflow.REFUSED:
        tk.h.flash_error(f"赋码时复核不通过，登记{done['number']}不予登记")
    elif name == "issue":
        tk.h.flash_success(f"已赋码：登记编号{done['code']}")
    else:
        tk.h.flash_success(f"已{workflow.TRANSITIONS[name].label}：登记{done['code'] or done['number']}"
                           f"现为“{done['state_label']}”")
    return tk.redirect_to("datong_registration.read", registration_id=done["id"])
