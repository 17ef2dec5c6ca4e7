"""Template helpers of the harvest plugin."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.datong.harvesters.base import origin

__all__ = ["datong_harvest_origin", "datong_harvest_job_report"]


def datong_harvest_origin(pkg_dict: dict[str, Any]) -> dict[str, Any] | None:
    """The harvest origin of the dataset shown (base.origin), None when it was not harvested."""
    return origin(pkg_dict["id"]) if pkg_dict.get("id") else None


def datong_harvest_job_report(job_id: str) -> dict[str, Any] | None:
    """The Datong part of a job's report for the signed-in user (datong_harvest_job_report),
    None when they may not read it."""
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    try:
        return tk.get_action("datong_harvest_job_report")(context, {"id": job_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
