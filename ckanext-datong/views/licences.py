"""The portal's licences as pages: /licence/<id> shows the text of 大同市公共数据开放协议,
大同市公共数据利用协议 or CC BY 4.0 (licences.PAGES)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint

from ckanext.datong import licences

datong_licences = Blueprint("datong_licences", __name__)


@datong_licences.route("/licence/<id>")
def read(id: str) -> str:
    """The text of licence `id`; 404 for a licence without a page of the portal."""
    licence = licences.datong_licence(id) if id in licences.PAGES else None
    if licence is None:
        return tk.abort(404, "未找到该许可协议")
    return tk.render("licence/read.html", extra_vars={"licence": licence})
