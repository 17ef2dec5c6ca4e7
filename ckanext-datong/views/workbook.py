"""Pages of the catalog workbook: download a catalog, upload a workbook, read the report."""
from __future__ import annotations

import base64
import io
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from flask import Blueprint, send_file
from flask.typing import ResponseReturnValue

from ckanext.datong import config as datong_config
from ckanext.datong.workbook import jobs

datong_workbook = Blueprint("datong_workbook", __name__, url_prefix="/catalog/workbook")
REFRESH_SECONDS = 3


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _allowed(action: str) -> bool:
    try:
        tk.check_access(action, _context(), {})
    except tk.NotAuthorized:
        return False
    return True


@datong_workbook.route("/", methods=["GET"])
def index(errors: list[str] | None = None) -> ResponseReturnValue:
    """Download and upload forms."""
    can_import = _allowed("datong_catalog_import")
    city = _allowed("datong_catalog_export")
    organizations = _exportable(city)
    if not (can_import or city or organizations):
        return tk.abort(403, "只有部门的编辑或管理员、数据主管部门可以使用目录工作簿，请先登录")
    return tk.render("workbook/index.html", extra_vars={
        "organizations": organizations, "city": city, "can_import": can_import,
        "errors": errors or [], "threshold": datong_config.workbook_background_threshold(),
    })


def _exportable(city: bool) -> list[dict[str, str]]:
    """The organizations whose catalog the user may download: all of them for those who may
    download the city's, else those whose entries the user edits."""
    if city:
        groups = model.Session.query(model.Group).filter(
            model.Group.is_organization.is_(True), model.Group.state == "active").order_by(model.Group.title)
        return [{"name": g.name, "display_name": g.title} for g in groups]
    if not tk.current_user.is_authenticated:
        return []
    return tk.get_action("organization_list_for_user")(_context(), {"permission": "update_dataset"})


@datong_workbook.route("/export", methods=["GET"])
def download() -> ResponseReturnValue:
    """The workbook of ?owner_org=… (or of the whole city)."""
    data_dict = {"owner_org": tk.request.args["owner_org"]} if tk.request.args.get("owner_org") else {}
    try:
        result = tk.get_action("datong_catalog_export")(_context(), data_dict)
    except tk.NotAuthorized as error:
        return tk.abort(403, error.message or "您无权导出该目录")
    except tk.ValidationError as error:
        return tk.abort(404, "；".join(m for messages in error.error_dict.values() for m in messages))
    return send_file(io.BytesIO(base64.b64decode(result["content"])), mimetype=result["content_type"],
                     as_attachment=True, download_name=result["filename"])


@datong_workbook.route("/import", methods=["POST"])
def upload() -> ResponseReturnValue:
    """Import the uploaded workbook: the report, or the page of its background job."""
    try:
        result = tk.get_action("datong_catalog_import")(_context(), {"upload": tk.request.files.get("upload")})
    except tk.NotAuthorized as error:
        return tk.abort(403, error.message or "您无权导入目录工作簿")
    except tk.ValidationError as error:
        return index(errors=[m for messages in error.error_dict.values() for m in messages])
    if result["status"] != jobs.FINISHED:
        return tk.redirect_to("datong_workbook.status", import_id=result["id"])
    return tk.render("workbook/import.html", extra_vars={"record": result, "refresh": None})


@datong_workbook.route("/import/<import_id>", methods=["GET"])
def status(import_id: str) -> ResponseReturnValue:
    """The progress of a background import, then its report."""
    try:
        record = tk.get_action("datong_catalog_import_status")(_context(), {"id": import_id})
    except tk.ObjectNotFound as error:
        return tk.abort(404, error.message or "找不到该导入任务")
    except tk.NotAuthorized as error:
        return tk.abort(403, error.message or "您无权查看该导入任务")
    running = record["status"] in (jobs.QUEUED, jobs.RUNNING)
    return tk.render("workbook/import.html",
                     extra_vars={"record": record, "refresh": REFRESH_SECONDS if running else None})
