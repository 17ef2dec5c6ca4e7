"""Auth functions of the dashboards and use cases (logic/action/dashboards.py).

- A dashboard: the city's for the data authority (and sysadmins); an organization's for the
  authority and that organization's editors and admins. Nobody else sees any dashboard:
  their figures count entries a citizen or another department may not see.
- Use cases: everybody reads them (linked entries filtered per reader by the action); the
  data authority creates, changes and deletes them.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context

from ckanext.datong import access

DASHBOARD_REFUSED = "数据看板仅向数据主管部门和本单位的编辑、管理员开放"
SIGN_IN = "请先登录"
AUTHORITY_ONLY = "只有数据主管部门可以管理典型案例"
STAFF_ROLES = ("admin", "editor")

OK: AuthResult = {"success": True}


def staff_organizations(who: access.Viewer) -> list[str]:
    """The organizations whose dashboard `who` sees as their editor or admin, by title."""
    if who.user is None:
        return []
    ids = [org_id for org_id in who.org_ids
           if authz.users_role_for_group_or_org(org_id, who.name) in STAFF_ROLES]
    groups = [model.Group.get(org_id) for org_id in ids]
    return [g.id for g in sorted((g for g in groups if g), key=lambda g: g.title or g.name)]


def may_see_dashboard(who: access.Viewer, organization_id: Optional[str]) -> bool:
    """The city's dashboard (None) or an organization's."""
    if who.authority or who.sysadmin:
        return True
    if organization_id is None:
        return False
    return organization_id in staff_organizations(who)


@tk.auth_allow_anonymous_access
def datong_dashboard_show(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The authority any dashboard; editors and admins their organization's (without an
    `organization`: their own)."""
    who = access.viewer_from_context(context)
    if who.user is None:
        return {"success": False, "msg": SIGN_IN}
    wanted = data_dict.get("organization")
    group = model.Group.get(str(wanted)) if wanted else None
    if wanted and group is None:
        allowed = who.authority or who.sysadmin
    elif group is not None:
        allowed = may_see_dashboard(who, group.id)
    else:
        allowed = who.authority or who.sysadmin or bool(staff_organizations(who))
    return OK if allowed else {"success": False, "msg": DASHBOARD_REFUSED}


@tk.auth_allow_anonymous_access
def datong_use_case_create(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The data authority (and sysadmins)."""
    who = access.viewer_from_context(context)
    if who.user is None:
        return {"success": False, "msg": SIGN_IN}
    return OK if who.authority or who.sysadmin else {"success": False, "msg": AUTHORITY_ONLY}


datong_use_case_update = datong_use_case_create
datong_use_case_delete = datong_use_case_create


@tk.auth_allow_anonymous_access
def datong_use_case_show(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Everybody."""
    return OK


datong_use_case_list = datong_use_case_show
