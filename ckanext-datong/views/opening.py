"""申请开放: the form by which a signed-in citizen or company applies for the files of a
conditionally open (有条件开放) entry, new or returned for correction. The application is then
a request of the sharing workflow: its page, steps and lists are those of views/sharing.py.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from flask import Blueprint
from flask.typing import ResponseReturnValue

from ckanext.datong import clock, config
from ckanext.datong.sharing import opening, workflow
from ckanext.datong.views import sharing as sharing_views

datong_opening = Blueprint("datong_opening", __name__)

FIELDS = ("resource_id", "applicant_kind", "applicant_name", "applicant_uscc", "purpose",
          "end_date", "contact_phone")
LABELS = {"package_id": "申请的数据", "resource_id": "申请的文件", "applicant_kind": "申请人类型",
          "applicant_name": "申请人名称", "applicant_uscc": "统一社会信用代码",
          "purpose": "使用用途", "end_date": "使用期限", "contact_phone": "联系电话",
          "agreement": "数据利用协议", "state": "申请状态"}


def _entry(package_id: str) -> dict[str, Any]:
    """The entry as the applicant sees it (not found when they may not)."""
    try:
        return sharing_views._call("package_show", id=package_id)
    except tk.NotAuthorized:
        raise tk.ObjectNotFound("未找到该数据")


def _parsed(package_id: str) -> dict[str, Any]:
    form = tk.request.form
    data = {key: form.get(key, "").strip() for key in FIELDS}
    data["package_id"] = package_id
    data["agreement"] = bool(form.get("agreement"))
    return data


def _blank(package_id: str) -> dict[str, Any]:
    """A new application: the file asked for in ?resource_id=, a period of the longest
    allowed length, the user's name."""
    last = clock.now().date() + datetime.timedelta(days=config.opening_max_days() - 1)
    return {"package_id": package_id, "resource_id": tk.request.args.get("resource_id", ""),
            "applicant_kind": "person", "applicant_name": tk.current_user.fullname or "",
            "end_date": last.isoformat(), "agreement": False}


def _form(entry: dict[str, Any], data: dict[str, Any], request: Optional[dict[str, Any]] = None,
          errors: Optional[dict[str, Any]] = None, note: str = "") -> str:
    messages = sharing_views._messages(errors or {})
    return tk.render("opening/form.html", extra_vars={
        "entry": entry, "data": data, "req": request, "errors": messages, "note": note,
        "summary": sharing_views._summary(messages, LABELS),
        "kinds": opening.APPLICANT_KINDS, "agreement": opening.agreement(),
        "max_days": config.opening_max_days()})


def _save(entry: dict[str, Any], request: Optional[dict[str, Any]]) -> ResponseReturnValue:
    """Save the application and submit it; on refusal, the form again with the reasons."""
    data = _parsed(entry["id"])
    try:
        if request:
            saved = sharing_views._call("datong_opening_update", id=request["id"], **data)
        else:
            saved = sharing_views._call("datong_opening_create", **data)
    except tk.ValidationError as error:
        return _form(entry, data, request, error.error_dict)
    try:
        submitted = sharing_views._call("datong_request_submit", id=saved["id"])
    except tk.ValidationError as error:
        return _form(entry, data, saved, error.error_dict, note="申请已保存，尚未提交")
    tk.h.flash_success(sharing_views._outcome(submitted))
    return tk.redirect_to("datong_sharing.read", request_id=saved["id"])


@datong_opening.route("/dataset/<package_id>/apply", methods=["GET", "POST"])
def new(package_id: str) -> ResponseReturnValue:
    """The application form for an entry's files (?resource_id= for one file); visitors
    are sent to sign in first (an entry they may not see is not found, as a missing one)."""
    entry = _entry(package_id)
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", next=tk.request.full_path)
    if tk.request.method == "POST":
        return _save(entry, None)
    return _form(entry, _blank(entry["id"]))


@datong_opening.route("/opening/<request_id>/edit", methods=["GET", "POST"])
def edit(request_id: str) -> ResponseReturnValue:
    """The form of an application returned for correction (or saved but not submitted)."""
    request = sharing_views._visible_request(request_id)
    tk.check_access("datong_opening_update", sharing_views._context(), {"id": request_id})
    if request["kind"] != "opening" or request["state"] not in (workflow.DRAFT, workflow.RETURNED):
        tk.h.flash_error(f"该申请当前为“{request['state_label']}”，不能修改")
        return tk.redirect_to("datong_sharing.read", request_id=request_id)
    line = request["entries"][0]
    entry = _entry(line["package_id"])
    if tk.request.method == "POST":
        return _save(entry, request)
    applicant = request["applicant"]
    return _form(entry, {
        "package_id": line["package_id"], "resource_id": line["resource_id"] or "",
        "applicant_kind": applicant.get("kind"), "applicant_name": applicant.get("name"),
        "applicant_uscc": applicant.get("uscc"), "purpose": request["purpose"],
        "end_date": request["end_date"], "contact_phone": request["contact_phone"],
        "agreement": request["commitment"]}, request)
