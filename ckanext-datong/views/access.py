"""The download guard: every file endpoint asks ckanext.datong.access before CKAN serves it."""
from __future__ import annotations

from typing import Optional

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, jsonify, request

from ckanext.datong import access

datong_access = Blueprint("datong_access", __name__)

DATASTORE_DUMP = "datastore.dump"


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
