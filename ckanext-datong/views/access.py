"""The page guards: a page naming an entry the visitor may not see answers exactly as for an
entry that does not exist, and every file endpoint asks ckanext.datong.access before CKAN
serves the file."""
from __future__ import annotations

from typing import Any, Mapping, Optional

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, jsonify, request

from ckanext.datong import access

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


@datong_access.before_app_request
def guard_downloads() -> Optional[Response]:
    """403 with the reason when the file may not be downloaded, 404 when the caller may not
    see the resource at all; None lets CKAN serve the file."""
    resource_id = download_target(request.endpoint, request.view_args)
    if resource_id is None:
        return None
    status = access.resource_file_status(access.current_viewer(), resource_id)
    if status == access.ALLOWED:
        return None
    code, message = (404, access.NOT_FOUND_MESSAGE) if status is None else (403, access.MESSAGES[status])
    if request.accept_mimetypes.best == "application/json":
        response = jsonify({"success": False, "status": status or "not_found", "message": message})
        response.status_code = code
        return response
    return tk.abort(code, message)
