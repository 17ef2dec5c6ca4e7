"""Pages of the dashboards (数据看板) and the use cases (典型案例).

/dashboards/ shows the city's dashboard to the data authority and a department's own to its
editors and admins (?organization= another one, for the authority); every table downloads as
CSV and .xlsx from /dashboards/export/<table>.<csv|xlsx>. Use cases are public at /use-cases/;
the authority creates, changes and deletes them there. Thin: the actions decide and count;
refusals reach the Chinese error pages of views/errors.py."""
from __future__ import annotations

import datetime
from typing import Any, Optional
from urllib.parse import quote

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from ckanext.datong import access, clock, vocabulary
from ckanext.datong.dashboards import board, facts, tables
from ckanext.datong.views.calls import call as _call, context as _context, may as _may

datong_dashboards = Blueprint("datong_dashboards", __name__)

FORMATS = {"csv": ("text/csv; charset=utf-8", tables.csv_bytes),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    tables.xlsx_bytes)}
USE_CASE_FIELDS = {"title": "案例名称", "summary": "案例简介", "domain": "行业领域",
                   "organization_id": "应用单位", "package_ids": "使用的数据",
                   "link_url": "案例链接", "published": "发布日期"}


def _dashboard() -> dict[str, Any]:
    wanted = tk.request.args.get("organization", "").strip()
    return _call("datong_dashboard_show", **({"organization": wanted} if wanted else {}))


@datong_dashboards.route("/dashboards/", methods=["GET"])
def index() -> ResponseReturnValue:
    """The dashboard the viewer may see: the city's, or their department's own."""
    dashboard = _dashboard()
    organization = dashboard["scope"]["organization"]
    return tk.render("dashboards/index.html", extra_vars={
        "dashboard": dashboard, "charts": board.charts(dashboard),
        "today_text": clock.chinese_date(datetime.date.fromisoformat(dashboard["today"])),
        "export_args": {"organization": organization["name"]} if organization else {},
        # one query; organization_list with all_fields shows every organization in turn
        "organizations": facts.organizations() if _sees_city() else []})


def _sees_city() -> bool:
    who = access.current_viewer()
    return who.authority or who.sysadmin


@datong_dashboards.route("/dashboards/export/<table_key>.<fmt>", methods=["GET"])
def export(table_key: str, fmt: str) -> ResponseReturnValue:
    """One table of the dashboard as CSV or .xlsx."""
    if fmt not in FORMATS:
        raise tk.ObjectNotFound("不支持的导出格式")
    dashboard = _dashboard()
    table = board.find_table(dashboard, table_key)
    if table is None:
        raise tk.ObjectNotFound("未找到该表格")
    mimetype, render = FORMATS[fmt]
    filename = f"{dashboard['scope']['title']}-{table.title}-{dashboard['today']}.{fmt}"
    return Response(render(table), mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


# ------------------------------------------------------------------------------ use cases

@datong_dashboards.route("/use-cases/", methods=["GET"])
def use_cases() -> ResponseReturnValue:
    """典型案例: every use case, by 行业领域 when one is chosen."""
    domain = tk.request.args.get("domain", "").strip()
    domains = vocabulary.values("industry_domains")
    found = _call("datong_use_case_list", **({"domain": domain} if domain in domains else {}))
    return tk.render("dashboards/use_cases.html", extra_vars={
        "use_cases": found, "domains": domains, "domain": domain if domain in domains else "",
        "may_edit": _may("datong_use_case_create")})


@datong_dashboards.route("/use-cases/<use_case_id>", methods=["GET"])
def use_case(use_case_id: str) -> ResponseReturnValue:
    return tk.render("dashboards/use_case.html", extra_vars={
        "case": _call("datong_use_case_show", id=use_case_id),
        "may_edit": _may("datong_use_case_update")})


def _form(data: dict[str, Any], use_case_id: Optional[str] = None,
          errors: Optional[dict[str, Any]] = None) -> str:
    messages = {key: [str(m) for m in (value if isinstance(value, list) else [value])]
                for key, value in (errors or {}).items() if value}
    summary = [f"{USE_CASE_FIELDS.get(key, '')}：{message}" if USE_CASE_FIELDS.get(key) else message
               for key, values in messages.items() for message in values]
    return tk.render("dashboards/use_case_form.html", extra_vars={
        "data": data, "use_case_id": use_case_id, "errors": messages, "summary": summary,
        "domains": vocabulary.values("industry_domains"),
        "organizations": facts.organizations()})


def _parsed() -> dict[str, Any]:
    form = tk.request.form
    return {key: form.get(key, "").strip() for key in USE_CASE_FIELDS}


def _save(use_case_id: Optional[str]) -> ResponseReturnValue:
    data = _parsed()
    try:
        saved = _call("datong_use_case_update", id=use_case_id, **data) if use_case_id \
            else _call("datong_use_case_create", **data)
    except tk.ValidationError as error:
        return _form(data, use_case_id, error.error_dict)
    tk.h.flash_success(f"典型案例「{saved['title']}」已保存")
    return tk.redirect_to("datong_dashboards.use_case", use_case_id=saved["id"])


@datong_dashboards.route("/use-cases/new", methods=["GET", "POST"])
def use_case_new() -> ResponseReturnValue:
    """A new use case (the data authority)."""
    tk.check_access("datong_use_case_create", _context(), {})
    if tk.request.method == "POST":
        return _save(None)
    return _form({})


@datong_dashboards.route("/use-cases/<use_case_id>/edit", methods=["GET", "POST"])
def use_case_edit(use_case_id: str) -> ResponseReturnValue:
    """Change a use case (the data authority)."""
    tk.check_access("datong_use_case_update", _context(), {"id": use_case_id})
    if tk.request.method == "POST":
        return _save(use_case_id)
    case = _call("datong_use_case_show", id=use_case_id)
    return _form({**case, "organization_id": (case["organization"] or {}).get("id", ""),
                  "package_ids": "，".join(entry["name"] for entry in case["entries"]),
                  "published": case["published"] or ""}, use_case_id)


@datong_dashboards.route("/use-cases/<use_case_id>/delete", methods=["POST"])
def use_case_delete(use_case_id: str) -> ResponseReturnValue:
    """Delete a use case (the data authority)."""
    _call("datong_use_case_delete", id=use_case_id)
    tk.h.flash_success("典型案例已删除")
    return tk.redirect_to("datong_dashboards.use_cases")
