"""The page guards: a page naming an entry the visitor may not see answers exactly as for an
entry that does not exist, and every file endpoint asks ckanext.datong.access before CKAN
serves the file."""
from __future__ import annotations

from typing import Any, Mapping, Optional

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, jsonify, request

from ckanext.datong import access
from ckanext.datong.sharing import usage

datong_access = Blueprint("datong_access", __name__)

DATASTORE_DUMP = "datastore.dump"
ENTRY_BLUEPRINTS = ("dataset", "dataset_resource", "resource", "harvest", "harvest_resource")
"""Blueprints of the dataset types (catalog entries and harvest sources): their `id` is an
entry's id or URL name, their `resource_id` one of its resources."""
HARVEST_PAGES = "harvester"
"""ckanext-harvest's pages: their `id` is a source's (or a harvest object's), except on the
job pages, which name the source as `source`."""
ENTRY_KEYS = ("id", "_id", "package_id")
ID_KEYS = ("resource_id", "activity_id", "source")
"""URL arguments that may name an entry, or something of one, on any page."""


def names_absent_entry(blueprint: Optional[str], view_args: Mapping[str, Any]) -> bool:
    """Whether a page's URL names an entry the current visitor may not see — or, on the pages
    of an entry, one that does not exist (CKAN answers some of those with a 500)."""
    entry_page = blueprint in ENTRY_BLUEPRINTS or (blueprint == HARVEST_PAGES
                                                   and "source" not in view_args)
    who: Optional[access.Viewer] = None
    for key in ENTRY_KEYS + ID_KEYS:
        value = view_args.get(key)
        if not isinstance(value, str) or not value:
            continue
        package = access.referenced_entry(value, by_name=entry_page and key in ENTRY_KEYS)
        if package is None:
            if entry_page and key in ("id", "resource_id"):
                return True
            continue
        who = who or access.current_viewer()
        if not access.may_see(who, package):
            return True
    return False


@datong_access.before_app_request
def guard_entries() -> Optional[Response]:
    """404 with the not-found message for pages naming an absent entry (see above)."""
    if request.view_args and names_absent_entry(request.blueprint, request.view_args):
        return tk.abort(404, access.NOT_FOUND_MESSAGE)
    return None


def download_target(endpoint: Optional[str], view_args: Optional[dict]) -> Optional[str]:
    """The resource id a request downloads: CKAN's `resource.download`, each dataset type's
    `<type>_resource.download` and the DataStore dump; None for every other request."""
    if not endpoint or not view_args:
        return None
    if endpoint == DATASTORE_DUMP or endpoint == "resource.download" \
            or endpoint.endswith("_resource.download"):
        return view_args.get("resource_id")
    return None


NARROW_GRANT = "您的授权仅含部分信息项或限定属地，不能下载整个文件：请通过数据接口（datastore_search）或按授权范围导出（{}）获取"


@datong_access.before_app_request
def guard_downloads() -> Optional[Response]:
    """Let CKAN serve a file only when the reader may take all of it, and a DataStore dump
    when they may take any of it (datastore_search narrows the dump to their grant); a
    download through a grant is audited. Otherwise 403 with the reason, or 404 when the
    reader may not see the resource at all."""
    resource_id = download_target(request.endpoint, request.view_args)
    if resource_id is None:
        return None
    who = access.current_viewer()
    scope = access.data_scope(who, resource_id)
    dump = request.endpoint == DATASTORE_DUMP
    if scope is not None and (dump or scope.whole):
        if not dump:
            usage.record(who, scope, resource_id, "download", None)
        return None
    if scope is not None:
        code, status = 403, "narrow_grant"
        message = NARROW_GRANT.format(tk.url_for("datastore.dump", resource_id=resource_id))
    else:
        status = access.resource_file_status(who, resource_id) or "not_found"
        code, message = (404, access.NOT_FOUND_MESSAGE) if status == "not_found" \
            else (403, access.MESSAGES[status])
    if request.accept_mimetypes.best == "application/json":
        response = jsonify({"success": False, "status": status, "message": message})
        response.status_code = code
        return response
    return tk.abort(code, message)
