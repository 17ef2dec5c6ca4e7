"""Chained CKAN auth functions on catalog entries, files and organizations: each asks
ckanext.datong.access and refuses in Chinese."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthFunction, AuthResult, Context

from ckanext.datong import access
from ckanext.datong.access import tables

RESOURCE_SEARCH_MESSAGE = "资源检索仅对数据主管部门开放，请使用数据目录检索"


def _in_chinese(result: AuthResult) -> AuthResult:
    return result if result.get("success") else {"success": False, "msg": access.NOT_VISIBLE_MESSAGE}


def _and_files(result: AuthResult, context: Context, resource_ids: list[str]) -> AuthResult:
    """CKAN's answer, narrowed by the file decision for every resource read."""
    return access.file_auth(context, resource_ids) if result.get("success") else result


def _and_scope(result: AuthResult, context: Context, resource_id: str) -> AuthResult:
    """CKAN's answer, narrowed by what the reader may read of the resource's data."""
    if not result.get("success"):
        return result
    who = access.viewer_from_context(context)
    decided = context.get(tables.DECIDED_KEY)  # type: ignore[misc]
    scope = decided[2] if decided and decided[:2] == (resource_id, who.user_id) \
        else access.data_scope(who, resource_id)
    if scope is None:
        return access.file_auth(context, [resource_id])
    return result


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth: AuthFunction, context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """CKAN compares the permission labels (access.dataset_labels and access.user_labels);
    a refusal says so in Chinese."""
    return _in_chinese(next_auth(context, data_dict))


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_show(next_auth: AuthFunction, context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """A resource is seen with its entry (package_show); a refusal says so in Chinese."""
    return _in_chinese(next_auth(context, data_dict))


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def datastore_search(next_auth: AuthFunction, context: Context,
                     data_dict: dict[str, Any]) -> AuthResult:
    """Reading DataStore rows: the whole file, or what a grant in force covers of it
    (logic/action/tables.py narrows the query to that)."""
    return _and_scope(next_auth(context, data_dict), context,
                      data_dict.get("resource_id") or data_dict.get("id") or "")


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def datastore_info(next_auth: AuthFunction, context: Context,
                   data_dict: dict[str, Any]) -> AuthResult:
    """The columns of a DataStore table come with the file, or with a grant on it."""
    return _and_scope(next_auth(context, data_dict), context,
                      data_dict.get("id") or data_dict.get("resource_id") or "")


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def datastore_search_sql(next_auth: AuthFunction, context: Context,
                         data_dict: dict[str, Any]) -> AuthResult:
    """Every table an SQL query reads must be a file the caller may download whole: SQL
    cannot be narrowed to a grant's 信息项 and territory, so a narrower grant is read through
    datastore_search."""
    return _and_files(next_auth(context, data_dict), context, context.get("table_names") or [])


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_search(next_auth: AuthFunction, context: Context,
                    data_dict: dict[str, Any]) -> AuthResult:
    """CKAN's resource_search returns the file URLs of every public entry, whatever its
    attributes: only the data authority (and sysadmins, who pass every check) may use it."""
    if not access.viewer_from_context(context).authority:
        return {"success": False, "msg": RESOURCE_SEARCH_MESSAGE}
    return next_auth(context, data_dict)


CREATE_GROUP_MESSAGE = "只有数据主管部门可以新建部门、县区或专题"


def _authority_only(next_auth: AuthFunction, context: Context,
                    data_dict: dict[str, Any]) -> AuthResult:
    """Organizations (departments, counties) and groups are created by the data authority
    (sysadmins pass every check): a member of any organization is a government user, so an
    organization a citizen could create would open government data to them."""
    if not access.viewer_from_context(context).authority:
        return {"success": False, "msg": CREATE_GROUP_MESSAGE}
    return next_auth(context, data_dict)


organization_create = tk.chained_auth_function(_authority_only)
group_create = tk.chained_auth_function(_authority_only)
