"""Actions of the dashboards (docs/dashboards.md) and of the use cases (典型案例) counted by
the plan's targets."""
from __future__ import annotations

import datetime
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Context

from ckanext.datong import access, clock, vocabulary
from ckanext.datong.dashboards import board, facts
from ckanext.datong.logic import schema
from ckanext.datong.logic.auth.dashboards import staff_organizations
from ckanext.datong.model import UseCase, UseCaseEntry

ACTIONS = ("datong_dashboard_show", "datong_use_case_create", "datong_use_case_update",
           "datong_use_case_delete", "datong_use_case_show", "datong_use_case_list")
NOT_FOUND = "未找到该典型案例"


def dashboard_organization(context: Context, wanted: Optional[str]) -> Optional[facts.Organization]:
    """The organization a dashboard shows: the one asked for; without one, the city (None) for
    the authority, else the caller's own (the first they edit or administer)."""
    who = access.viewer_from_context(context)
    if wanted is None and not (who.authority or who.sysadmin):
        wanted = next(iter(staff_organizations(who)), None)
    if wanted is None:
        return None
    found = facts.organizations(wanted)
    if not found:
        raise tk.ObjectNotFound("未找到该单位")
    return found[0]


@tk.side_effect_free
@validate(schema.datong_dashboard_show_schema)
def datong_dashboard_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The figures of a dashboard as sections of summary figures and tables.
    :param organization: id or URL name; omitted: the city (authority) or the caller's own."""
    tk.check_access("datong_dashboard_show", context, data_dict)
    return board.build(dashboard_organization(context, data_dict.get("organization")))


# ------------------------------------------------------------------------------ use cases

def _time(moment: Optional[datetime.datetime]) -> Optional[str]:
    return moment.astimezone(clock.BEIJING).isoformat(timespec="seconds") if moment else None


def use_case_dict(case: UseCase, who: access.Viewer) -> dict[str, Any]:
    """A use case as its reader may see it: linked entries only when the reader may see them."""
    org = model.Group.get(case.organization_id) if case.organization_id else None
    entries = []
    for link in case.entries:
        package = model.Package.get(link.package_id)
        if package is not None and package.state == model.State.ACTIVE and access.may_see(who, package):
            entries.append({"id": package.id, "name": package.name, "title": package.title})
    return {
        "id": case.id, "title": case.title, "summary": case.summary, "domain": case.domain,
        "domain_label": vocabulary.label("industry_domains", case.domain),
        "organization": {"id": org.id, "name": org.name, "title": org.title} if org else None,
        "link_url": case.link_url, "published": case.published.isoformat() if case.published else None,
        "published_text": clock.chinese_date(case.published) if case.published else "",
        "state": case.state, "entries": entries,
        "created": _time(case.created), "modified": _time(case.modified),
    }


def _active(case_id: str) -> UseCase:
    case = model.Session.get(UseCase, case_id)
    if case is None or case.state != UseCase.STATE_ACTIVE:
        raise tk.ObjectNotFound(NOT_FOUND)
    return case


def _set(case: UseCase, data: dict[str, Any]) -> None:
    clash = model.Session.query(UseCase.id).filter(
        UseCase.title == data["title"], UseCase.id != case.id).first()
    if clash:
        raise tk.ValidationError({"title": [f"已有名为“{data['title']}”的典型案例"]})
    for key in ("title", "summary", "domain"):
        setattr(case, key, data[key])
    case.organization_id = data.get("organization_id") or None
    case.link_url = data.get("link_url") or ""
    case.published = data.get("published")
    case.entries = [UseCaseEntry(package_id=package_id, position=position)
                    for position, package_id in enumerate(data.get("package_ids") or [])]


@validate(schema.datong_use_case_schema)
def datong_use_case_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A new use case (data authority). :param title: :param summary: :param domain: 行业领域
    :param organization_id: optional :param package_ids: entries used :param link_url:
    :param published: YYYY-MM-DD"""
    tk.check_access("datong_use_case_create", context, data_dict)
    who = access.viewer_from_context(context)
    case = UseCase(creator_user_id=who.user_id)
    model.Session.add(case)
    with model.Session.no_autoflush:
        _set(case, data_dict)
    model.Session.commit()
    return use_case_dict(case, who)


@validate(schema.datong_use_case_update_schema)
def datong_use_case_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change a use case (data authority); every field is set as given."""
    tk.check_access("datong_use_case_update", context, data_dict)
    case = _active(data_dict["id"])
    with model.Session.no_autoflush:
        _set(case, data_dict)
    case.modified = datetime.datetime.now(datetime.timezone.utc)
    model.Session.commit()
    return use_case_dict(case, access.viewer_from_context(context))


@validate(schema.datong_use_case_id_schema)
def datong_use_case_delete(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Delete a use case (data authority); it is no longer listed nor counted."""
    tk.check_access("datong_use_case_delete", context, data_dict)
    case = _active(data_dict["id"])
    case.state = UseCase.STATE_DELETED
    case.modified = datetime.datetime.now(datetime.timezone.utc)
    model.Session.commit()
    return {"id": case.id, "state": case.state}


@tk.side_effect_free
@validate(schema.datong_use_case_id_schema)
def datong_use_case_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """One use case; its entries those the caller may see. :param id:"""
    tk.check_access("datong_use_case_show", context, data_dict)
    return use_case_dict(_active(data_dict["id"]), access.viewer_from_context(context))


@tk.side_effect_free
@validate(schema.datong_use_case_list_schema)
def datong_use_case_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The use cases, newest published first. :param domain: optional 行业领域
    :param organization_id: optional"""
    tk.check_access("datong_use_case_list", context, data_dict)
    query = model.Session.query(UseCase).filter(UseCase.state == UseCase.STATE_ACTIVE)
    if data_dict.get("domain"):
        query = query.filter(UseCase.domain == data_dict["domain"])
    if data_dict.get("organization_id"):
        query = query.filter(UseCase.organization_id == data_dict["organization_id"])
    who = access.viewer_from_context(context)
    cases = query.order_by(UseCase.published.desc().nullslast(), UseCase.title).all()
    return [use_case_dict(case, who) for case in cases]
