"""Auth functions of the harvest plugin.

- Harvested datasets are protected from hand edits the next harvest would undo: chained
  package_update/package_patch auth refuses editors a dataset whose current harvest object
  belongs to a source, unless that source's config says "allow_manual_edits": true. The
  harvest itself runs with ignore_auth and is not asked.
- Harvest objects and the harvest log are for the source's department and the authority.
- The city-wide overview and the list of unmatched providers are for the authority.
- A preview fetches any URL from the server, as registering a source does: for those who
  may create datasets in some organization (who may register a source).
- A job's report (providers and counted changes) as its harvest objects.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz, model
from ckan.types import AuthFunction, AuthResult, Context
from ckanext.harvest.model import HarvestJob, HarvestObject

from ckanext.datong import access
from ckanext.datong.harvesters.base import parse_config

HARVEST_RECORD_MESSAGE = "采集记录仅向采集来源的管理部门和数据主管部门开放"
OVERVIEW_MESSAGE = "只有数据主管部门的成员和系统管理员可以查看全市采集情况"
PROVIDERS_MESSAGE = "只有数据主管部门的成员和系统管理员可以查看待建组织"
PREVIEW_MESSAGE = "只有可以登记采集来源的部门编辑和系统管理员可以预览采集来源"

__all__ = ["package_update", "package_patch", "harvest_object_show", "harvest_object_list",
           "harvest_log_list", "datong_harvest_overview", "datong_harvest_unmatched_providers",
           "datong_harvest_preview", "datong_harvest_job_report"]


def harvested_refusal(context: Context, data_dict: dict[str, Any]) -> AuthResult | None:
    """A refusal in Chinese when the dataset is harvested and its source allows no hand edits."""
    package = context.get("package")
    if package is None:
        reference = data_dict.get("id") or data_dict.get("name")
        package = model.Package.get(reference) if reference else None
    if package is None:
        return None
    current = (
        model.Session.query(HarvestObject)
        .filter(HarvestObject.package_id == package.id, HarvestObject.current.is_(True))
        .first()
    )
    if current is None or current.source is None:
        return None
    try:
        allowed = parse_config(current.source.config).get("allow_manual_edits") is True
    except ValueError:
        allowed = False
    if allowed:
        return None
    return {"success": False,
            "msg": f"该信息资源由采集来源“{current.source.title}”自动采集，手工修改会在下次采集时被覆盖："
                   "请在来源系统中修改（或由来源管理者在来源配置中设置 allow_manual_edits 为 true）"}


@tk.chained_auth_function
def package_update(next_auth: AuthFunction, context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Refuse hand edits of harvested datasets, then ask the next auth function."""
    return harvested_refusal(context, data_dict) or next_auth(context, data_dict)


@tk.chained_auth_function
def package_patch(next_auth: AuthFunction, context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """As package_update."""
    return harvested_refusal(context, data_dict) or next_auth(context, data_dict)


def _may_manage_source(context: Context, source_id: str) -> bool:
    """Whether the caller may update a harvest source (its department) or is the authority."""
    try:
        tk.check_access("harvest_source_update", dict(context), {"id": source_id})
        return True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return access.viewer_from_context(context).authority


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def harvest_object_show(next_auth: AuthFunction, context: Context,
                        data_dict: dict[str, Any]) -> AuthResult:
    """A harvest object holds the source's whole record, grade included: only those who
    manage its source (and the authority) may read it; ckanext-harvest lets everybody."""
    reference = data_dict.get("id") or data_dict.get("ref") or ""
    harvest_object = model.Session.get(HarvestObject, reference) if reference else None
    if harvest_object is None or not _may_manage_source(context, harvest_object.harvest_source_id):
        return {"success": False, "msg": HARVEST_RECORD_MESSAGE}
    return next_auth(context, data_dict)


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def harvest_object_list(next_auth: AuthFunction, context: Context,
                        data_dict: dict[str, Any]) -> AuthResult:
    """The objects of one source for those who manage it; of all sources for the authority."""
    source_id = data_dict.get("source_id")
    allowed = _may_manage_source(context, source_id) if source_id else \
        access.viewer_from_context(context).authority
    return next_auth(context, data_dict) if allowed else {"success": False, "msg": HARVEST_RECORD_MESSAGE}


@tk.chained_auth_function
def harvest_log_list(next_auth: AuthFunction, context: Context,
                     data_dict: dict[str, Any]) -> AuthResult:
    """The harvest log (every source's messages, entry titles included) is for the data
    authority. The next function is not asked: ckanext-harvest registers its action of
    that name as the auth function (one dict shared by its action and auth lists), which
    runs the query and crashes on its list."""
    if access.viewer_from_context(context).authority:
        return {"success": True}
    return {"success": False, "msg": HARVEST_RECORD_MESSAGE}


def datong_harvest_overview(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Members of a 数据主管部门 organization and sysadmins."""
    viewer = access.viewer_from_context(context)
    if viewer.sysadmin or viewer.authority:
        return {"success": True}
    return {"success": False, "msg": OVERVIEW_MESSAGE}


def datong_harvest_unmatched_providers(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Members of a 数据主管部门 organization and sysadmins."""
    viewer = access.viewer_from_context(context)
    if viewer.sysadmin or viewer.authority:
        return {"success": True}
    return {"success": False, "msg": PROVIDERS_MESSAGE}


def datong_harvest_preview(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Sysadmins and those who may create datasets in some organization."""
    viewer = access.viewer_from_context(context)
    if viewer.sysadmin or (viewer.name and authz.has_user_permission_for_some_org(viewer.name, "create_dataset")):
        return {"success": True}
    return {"success": False, "msg": PREVIEW_MESSAGE}


def datong_harvest_job_report(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Those who manage the job's source, and the authority (a missing job: nobody)."""
    job = model.Session.get(HarvestJob, data_dict.get("id") or "")
    if job is not None and _may_manage_source(context, job.source_id):
        return {"success": True}
    return {"success": False, "msg": HARVEST_RECORD_MESSAGE}
