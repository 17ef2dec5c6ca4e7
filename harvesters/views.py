"""Pages of the harvest plugin: the city-wide harvest overview of the data authority."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint
from flask.typing import ResponseReturnValue

__all__ = ["datong_harvest"]

datong_harvest = Blueprint("datong_harvest", __name__, url_prefix="/harvest")


@datong_harvest.route("/overview", methods=["GET"])
def overview() -> ResponseReturnValue:
    """Every source with its department, frequency and last job; failing and stale ones."""
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    try:
        data = tk.get_action("datong_harvest_overview")(context, {})
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error.message) if error.message else None)
    return tk.render("harvest/overview.html", extra_vars=data)
