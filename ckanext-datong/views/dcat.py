"""The DCAT endpoints of ckanext-dcat (`/catalog.<format>`, `/dataset/<id>.<format>`) served
through our chained actions (logic/action/dcat.py): an unpublished entry answers the
not-found page every absent entry answers, bad parameters a structured 400 with Chinese
messages (ckanext-dcat's own view answers 409 with English ones)."""
from __future__ import annotations

from typing import Any, Callable, Optional

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, jsonify, make_response, request
from ckanext.dcat.utils import CONTENT_TYPES

from ckanext.datong import access

datong_dcat = Blueprint("datong_dcat", __name__)


def _catalog(view_args: dict[str, Any]) -> str:
    return tk.get_action("dcat_catalog_show")({}, {
        "format": view_args.get("_format"), **{key: request.args.get(key) for key in (
            "page", "modified_since", "q", "fq", "profiles")}})


def _dataset(view_args: dict[str, Any]) -> str:
    return tk.get_action("dcat_dataset_show")({}, {
        "id": view_args.get("_id"), "format": view_args.get("_format"),
        "profiles": request.args.get("profiles")})


ENDPOINTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "dcat.read_catalog": _catalog,
    "dcat.read_dataset": _dataset,
    "dcat.read_dataset_series": _dataset,
}


@datong_dcat.before_app_request
def serve_dcat() -> Optional[Response]:
    """Answer ckanext-dcat's RDF endpoints before its own view does."""
    serve = ENDPOINTS.get(request.endpoint or "")
    view_args = request.view_args or {}
    if serve is None or not view_args.get("_format"):
        return None
    try:
        output = serve(view_args)
    except tk.ObjectNotFound:
        return tk.abort(404, access.NOT_FOUND_MESSAGE)
    except tk.ValidationError as error:
        response = jsonify({"success": False, "error": {
            "__type": "Validation Error", **error.error_dict}})
        response.status_code = 400
        return response
    response = make_response(output)
    response.headers["Content-Type"] = CONTENT_TYPES[view_args["_format"]]
    return response
