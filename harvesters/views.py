"""Pages of the harvest plugin: the data authority's city-wide overview and its list of
unmatched providers (to create their organizations), the source form's preview, and the
configuration reference (/harvest/help)."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint
from flask.typing import ResponseReturnValue

from ckanext.datong import vocabulary
from ckanext.datong.harvesters import preview as preview_module
from ckanext.datong.harvesters import reference, report
from ckanext.datong.harvesters.base import error_text

__all__ = ["datong_harvest"]

datong_harvest = Blueprint("datong_harvest", __name__, url_prefix="/harvest")
ORG_FIELDS = ("title", "name", "org_kind", "uscc", "region_code", "dept_code")


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


@datong_harvest.route("/overview", methods=["GET"])
def overview() -> ResponseReturnValue:
    """Every source with its department, frequency and last job; failing and stale ones."""
    try:
        data = tk.get_action("datong_harvest_overview")(_context(), {})
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error.message) if error.message else None)
    return tk.render("harvest/overview.html", extra_vars=data)


@datong_harvest.route("/preview", methods=["POST"])
def preview() -> ResponseReturnValue:
    """The source form posted to 预览: its first entries mapped, with their errors."""
    form = tk.request.form
    data = {"source_type": form.get("source_type", ""), "url": form.get("url", ""),
            "config": form.get("config", ""), "owner_org": form.get("owner_org", ""),
            "limit": form.get("limit") or preview_module.DEFAULT_LIMIT}
    try:
        result = tk.get_action("datong_harvest_preview")(_context(), data)
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error.message) if error.message else None)
    except tk.ValidationError as error:
        result = {"error": error_text(error.error_dict), "entries": []}
    for entry in result["entries"]:
        entry["json"] = json.dumps(entry["data"], ensure_ascii=False, indent=1)
    return tk.render("harvest/preview.html", extra_vars={"result": result, "form": data})


@datong_harvest.route("/providers", methods=["GET", "POST"])
def providers() -> ResponseReturnValue:
    """The providers harvests could not route, each with a reviewed organization_create
    form; POST creates the one organization submitted (the org schema judges it)."""
    try:
        found = tk.get_action("datong_harvest_unmatched_providers")(_context(), {})
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error.message) if error.message else None)
    forms = {row["provider"]: report.suggested_organization(row) for row in found}
    errors: dict[str, Any] = {}
    submitted = ""
    if tk.request.method == "POST":
        submitted = tk.request.form.get("provider", "")
        values = {key: tk.request.form.get(key, "").strip() for key in ORG_FIELDS}
        forms[submitted] = values
        try:
            created = tk.get_action("organization_create")(
                _context(), {key: value for key, value in values.items() if value})
        except tk.NotAuthorized as error:
            return tk.abort(403, str(error.message) if error.message else None)
        except tk.ValidationError as error:
            errors = error.error_dict
        else:
            tk.h.flash_success(f"已创建组织“{created['title']}”：下次采集时该提供部门的条目将放入此组织")
            return tk.redirect_to("datong_harvest.providers")
    return tk.render("harvest/providers.html", extra_vars={
        "providers": found, "forms": forms, "errors": errors, "submitted": submitted,
        "org_kinds": vocabulary.values("org_kinds"),
        "regions": [term for term in vocabulary.terms("regions") if not term.get("scope_only")]})


@datong_harvest.route("/help", methods=["GET"])
def help_page() -> ResponseReturnValue:
    """The source configuration reference, in Chinese."""
    harvesters = {name: dict(spec, example=json.dumps(spec["example"], ensure_ascii=False, indent=2))
                  for name, spec in reference.HARVESTERS.items()}
    return tk.render("harvest/help.html", extra_vars={
        "common": reference.COMMON, "harvesters": harvesters,
        "required": reference.required_fields(), "rules": reference.cross_field_rules()})
