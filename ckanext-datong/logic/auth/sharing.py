"""Auth functions of sharing requests, scenarios, grants and the inbox
(logic/action/sharing.py). Each answers anonymous callers itself, in Chinese. Who may apply
a transition is the workflow's rule (sharing.workflow.refusal); a request somebody may not
see is reported as not found."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context

from ckanext.datong import access
from ckanext.datong.model import Grant, Request
from ckanext.datong.sharing import workflow

SIGN_IN = "请先登录"
SIGN_IN_TO_APPLY = "请先登录后再申请开放数据"
GOVERNMENT_ONLY = "只有政务部门（县区、市直部门）的工作人员可以提交共享申请"
NOT_FOUND = "未找到该共享申请"
AUTHORITY_ONLY = "只有数据主管部门可以执行此操作"
REVOKE = "只有提供部门的编辑或管理员、数据主管部门可以撤销授权"

OK: AuthResult = {"success": True}


def _no(message: str) -> AuthResult:
    return {"success": False, "msg": message}


def _visible(context: Context, data_dict: dict[str, Any]) -> tuple[access.Viewer, Optional[Request]]:
    who = access.viewer_from_context(context)
    request = model.Session.get(Request, str(data_dict.get("id") or ""))
    if request is not None and not workflow.may_see(who, request):
        request = None
    return who, request


@tk.auth_allow_anonymous_access
def datong_request_create(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Members of an organization (government users)."""
    return OK if access.viewer_from_context(context).government else _no(GOVERNMENT_ONLY)


@tk.auth_allow_anonymous_access
@tk.auth_sysadmins_check
def datong_request_update(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The requester, on their own request."""
    return _step(context, data_dict, "submit")


datong_request_attach = datong_request_update
datong_request_detach = datong_request_update
datong_opening_update = datong_request_update


@tk.auth_allow_anonymous_access
def datong_opening_create(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Any signed-in user: citizens and companies apply for conditionally open data."""
    return OK if access.viewer_from_context(context).user is not None else _no(SIGN_IN_TO_APPLY)


@tk.auth_allow_anonymous_access
def datong_request_show(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The requester's organization, the provider, the authority (workflow.may_see)."""
    return OK if _visible(context, data_dict)[1] is not None else _no(NOT_FOUND)


@tk.auth_allow_anonymous_access
def datong_request_list(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Signed-in users see their own requests; government users their inbox; the authority
    every request."""
    who = access.viewer_from_context(context)
    role = data_dict.get("role") or "mine"
    if role == "authority":
        return OK if who.authority or who.sysadmin else _no(AUTHORITY_ONLY)
    if role == "mine":
        return OK if who.user is not None else _no(SIGN_IN)
    return OK if who.government else _no(GOVERNMENT_ONLY)


def _step(context: Context, data_dict: dict[str, Any], transition: str) -> AuthResult:
    who, request = _visible(context, data_dict)
    if request is None:
        return _no(NOT_FOUND)
    refused = workflow.refusal(who, request, transition)
    return _no(refused) if refused else OK


def _single(action_name: str) -> Any:
    """The auth of a one-transition action: the workflow's rule for that transition."""
    def auth(context: Context, data_dict: dict[str, Any]) -> AuthResult:
        return _step(context, data_dict, workflow.SINGLE_STEPS[action_name])
    return tk.auth_allow_anonymous_access(tk.auth_sysadmins_check(auth))


def _deciding(action_name: str) -> Any:
    """The auth of a deciding action: the workflow's rule for the outcome asked for (all
    outcomes of one action belong to the same role)."""
    outcomes = workflow.OUTCOMES[action_name]

    def auth(context: Context, data_dict: dict[str, Any]) -> AuthResult:
        name = outcomes.get(str(data_dict.get("outcome")), next(iter(outcomes.values())))
        return _step(context, data_dict, name)
    return tk.auth_allow_anonymous_access(tk.auth_sysadmins_check(auth))


datong_request_submit = _single("datong_request_submit")
datong_request_withdraw = _single("datong_request_withdraw")
datong_request_dispute = _single("datong_request_dispute")
datong_request_check = _deciding("datong_request_check")
datong_request_review = _deciding("datong_request_review")
datong_request_settle = _deciding("datong_request_settle")


@tk.auth_allow_anonymous_access
def datong_scenario_create(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The data authority (and sysadmins, who pass every check)."""
    return OK if access.viewer_from_context(context).authority else _no(AUTHORITY_ONLY)


datong_scenario_update = datong_scenario_create


@tk.auth_allow_anonymous_access
def datong_scenario_show(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Government users, who choose scenarios when they apply."""
    return OK if access.viewer_from_context(context).government else _no(GOVERNMENT_ONLY)


datong_scenario_list = datong_scenario_show
datong_grant_list = datong_scenario_show


@tk.auth_allow_anonymous_access
def datong_grant_revoke(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The providing department's editors and admins, or the data authority."""
    who = access.viewer_from_context(context)
    grant = model.Session.get(Grant, str(data_dict.get("id") or ""))
    package = model.Package.get(grant.package_id) if grant else None
    if who.authority or (package is not None and package.owner_org
                         and workflow.is_provider_staff(who, package.owner_org)):
        return OK
    return _no(REVOKE)


@tk.auth_allow_anonymous_access
def datong_notice_list(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Any signed-in user: their own inbox."""
    return OK if access.viewer_from_context(context).user is not None else _no(SIGN_IN)


datong_notice_read = datong_notice_list
