"""The API page (/api-guide): how to call the portal's action and DataStore APIs, with
examples on the portal's own data (api_guide.py)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint

from ckanext.datong.pages import api_guide

datong_api_guide = Blueprint("datong_api_guide", __name__)


@datong_api_guide.route("/api-guide")
def guide() -> str:
    found = api_guide.sample()
    return tk.render("api_guide/index.html", extra_vars={
        "sample": found, "examples": api_guide.examples(found),
        "token_placeholder": api_guide.TOKEN_PLACEHOLDER,
        "rows_max": tk.config.get("ckan.search.rows_max"),
        "datastore_rows_max": tk.config.get("ckan.datastore.search.rows_max"),
    })
