"""Auth functions of the catalog workbook actions (logic/action/workbook.py)."""
from __future__ import annotations

from typing import Any

import ckan.authz as authz
from ckan.types import AuthResult, Context

from ckanext.datong import access
from ckanext.datong.workbook import jobs

EXPORT_MESSAGE = "只有本部门的编辑或管理员可以导出本部门的目录；全市目录由数据主管部门导出"
IMPORT_MESSAGE = "只有部门的编辑或管理员可以导入目录工作簿"
STATUS_MESSAGE = "只有发起导入的用户可以查看该导入任务"


def datong_catalog_export(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """An organization's catalog: its editors and admins; the whole city's (no owner_org):
    the data authority. Sysadmins may do both."""
    viewer = access.viewer_from_context(context)
    if viewer.sysadmin or viewer.authority:
        return {"success": True}
    org = data_dict.get("owner_org")
    if org and viewer.user and authz.has_user_permission_for_group_or_org(org, viewer.name, "update_dataset"):
        return {"success": True}
    return {"success": False, "msg": EXPORT_MESSAGE}


def datong_catalog_import(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Whoever may create entries in some organization; each entry is checked on its own
    (package_create / package_update) during the import."""
    viewer = access.viewer_from_context(context)
    if viewer.sysadmin or (viewer.user and authz.has_user_permission_for_some_org(viewer.name, "create_dataset")):
        return {"success": True}
    return {"success": False, "msg": IMPORT_MESSAGE}


def datong_catalog_import_status(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The user who started the import (and sysadmins); an unknown id is the action's 404."""
    viewer = access.viewer_from_context(context)
    found = jobs.record(str(data_dict.get("id") or ""))
    if viewer.sysadmin or found is None or (viewer.user and found.get("user_id") == viewer.user_id):
        return {"success": True}
    return {"success": False, "msg": STATUS_MESSAGE}
