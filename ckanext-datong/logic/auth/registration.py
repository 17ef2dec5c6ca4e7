"""Auth functions of data asset registration (logic/action/registration.py). Each answers
anonymous callers itself, in Chinese. Who may apply a transition is the workflow's rule
(registration.workflow.refusal); a record somebody may not see is reported as not found."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context

from ckanext.datong import access
from ckanext.datong.model import Registration
from ckanext.datong.registration import workflow

SIGN_IN = "请先登录"
GOVERNMENT_ONLY = "只有政务部门的工作人员可以申请数据资产登记"
AUTHORITY_ONLY = "只有数据主管部门可以执行此操作"
OK: AuthResult = {"success": True}


def _no(message: str) -> AuthResult:
    return {"success": False, "msg": message}


def _visible(context: Context, data_dict: dict[str, Any]
             ) -> tuple[access.Viewer, Optional[Registration]]:
    who = access.viewer_from_context(context)
    record = workflow.find(str(data_dict.get("id") or ""))
    if record is not None and not workflow.may_see(who, record):
        record = None
    return who, record


def _step(context: Context, data_dict: dict[str, Any], transition: str) -> AuthResult:
    who, record = _visible(context, data_dict)
    if record is None:
        return _no(workflow.NOT_FOUND)
    refused = workflow.refusal(who, record, transition)
    return _no(refused) if refused else OK


@tk.auth_allow_anonymous_access
def datong_registration_create(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Government users; the action checks that their department holds the entry."""
    return OK if access.viewer_from_context(context).government else _no(GOVERNMENT_ONLY)


@tk.auth_allow_anonymous_access
@tk.auth_sysadmins_check
def datong_registration_update(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The holder's editors and admins, on a record returned for correction."""
    return _step(context, data_dict, "resubmit")


@tk.auth_allow_anonymous_access
@tk.auth_sysadmins_check
def datong_registration_change(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The holder's editors and admins, on an issued record."""
    return _step(context, data_dict, "file_change")


@tk.auth_allow_anonymous_access
def datong_registration_show(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Everybody for records in notice or on the register; the holder, the applicant and the
    authority for the others (workflow.may_see)."""
    return OK if _visible(context, data_dict)[1] is not None else _no(workflow.NOT_FOUND)


@tk.auth_allow_anonymous_access
def datong_registration_list(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """The notice and the register: everybody; mine: signed-in users; the queue: the authority."""
    who = access.viewer_from_context(context)
    role = data_dict.get("role") or "notice"
    if role == "authority":
        return OK if who.authority or who.sysadmin else _no(AUTHORITY_ONLY)
    if role == "mine":
        return OK if who.user is not None else _no(SIGN_IN)
    return OK


def _deciding(action_name: str) -> Any:
    """The workflow's rule for the outcome asked for (all outcomes of one action belong to
    the authority)."""
    outcomes = workflow.OUTCOMES[action_name]

    def auth(context: Context, data_dict: dict[str, Any]) -> AuthResult:
        name = outcomes.get(str(data_dict.get("outcome")), next(iter(outcomes.values())))
        return _step(context, data_dict, name)
    return tk.auth_allow_anonymous_access(tk.auth_sysadmins_check(auth))


def _single(transition: str) -> Any:
    def auth(context: Context, data_dict: dict[str, Any]) -> AuthResult:
        return _step(context, data_dict, transition)
    return tk.auth_allow_anonymous_access(tk.auth_sysadmins_check(auth))


datong_registration_accept = _deciding("datong_registration_accept")
datong_registration_review = _deciding("datong_registration_review")
datong_registration_settle = _deciding("datong_registration_settle")
datong_registration_change_review = _deciding("datong_registration_change_review")
datong_registration_object = _single("object")
datong_registration_issue = _single("issue")


@tk.auth_allow_anonymous_access
def datong_registration_verify(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Everybody: the verification reports record numbers and versions, never content."""
    return OK
