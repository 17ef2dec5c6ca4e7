"""Counting what the portal serves (ckanext.datong.popularity): an entry page answered with
200, and a file or DataStore dump the download guard let through (200, a partial 206, or the
redirect to a linked file), whether a browser or an API client asked."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model
from flask import Blueprint, Response, request

from ckanext.datong import popularity, signin
from ckanext.datong.model import PopularityHit
from ckanext.datong.views.access import download_target

datong_popularity = Blueprint("datong_popularity", __name__)

ENTRY_PAGE = "dataset.read"
DOWNLOADED = (200, 206, 301, 302, 303, 307, 308)


def _visitor() -> str:
    user = tk.current_user
    return popularity.visitor_key(signin.client_address(), request.user_agent.string or "",
                                  user.id if user.is_authenticated else "")


@datong_popularity.after_app_request
def count(response: Response) -> Response:
    """Record a view of an entry page or a download of one of its files."""
    if request.method != "GET" or popularity.is_robot(request.user_agent.string or ""):
        return response
    resource_id = download_target(request.endpoint, request.view_args)
    if resource_id is not None and response.status_code in DOWNLOADED:
        resource = model.Resource.get(resource_id)
        if resource is not None:
            popularity.record(PopularityHit.KIND_DOWNLOAD, resource.package_id, _visitor(),
                              resource.id)
    elif request.endpoint == ENTRY_PAGE and response.status_code == 200:
        package = model.Package.get((request.view_args or {}).get("id", ""))
        if package is not None:
            popularity.record(PopularityHit.KIND_VIEW, package.id, _visitor())
    return response
