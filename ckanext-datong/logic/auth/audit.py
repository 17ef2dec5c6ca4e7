"""Auth functions of the audit log actions (logic/action/audit.py). Sysadmins pass every
check; which events a permitted caller sees is the action's filter."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context

from ckanext.datong import access

LIST_MESSAGE = "审计日志仅对政府部门用户开放，请使用所在部门的账号登录"
VERIFY_MESSAGE = "只有数据主管部门可以校验审计日志"


@tk.auth_allow_anonymous_access
def datong_audit_list(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Members of an organization (the data authority sees every event, others those of their
    organizations); anonymous visitors and citizens are refused."""
    if access.viewer_from_context(context).government:
        return {"success": True}
    return {"success": False, "msg": LIST_MESSAGE}


@tk.auth_allow_anonymous_access
def datong_audit_verify(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The data authority."""
    if access.viewer_from_context(context).authority:
        return {"success": True}
    return {"success": False, "msg": VERIFY_MESSAGE}
