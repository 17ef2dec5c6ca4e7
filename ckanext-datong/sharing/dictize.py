"""Requests, scenarios, grants and notices as the API returns them: ids and values, with the
Chinese labels and Beijing times people read next to them."""
from __future__ import annotations

import datetime
from typing import Any, Optional

import ckan.model as model

from ckanext.datong import clock
from ckanext.datong.access.identity import Viewer
from ckanext.datong.model import Grant, Notice, Request, Scenario
from ckanext.datong.sharing import scenarios, workflow


def _time(moment: Optional[datetime.datetime]) -> Optional[str]:
    return moment.astimezone(clock.BEIJING).isoformat(timespec="seconds") if moment else None


def _day(day: Optional[datetime.date]) -> Optional[str]:
    return day.isoformat() if day else None


def _org(org_id: Optional[str]) -> dict[str, Any]:
    org = model.Group.get(org_id) if org_id else None
    return {"id": org_id, "name": org.name if org else "", "title": org.title if org else ""}


def _user(user_id: Optional[str]) -> str:
    user = model.User.get(user_id) if user_id else None
    return user.display_name if user else workflow.SYSTEM_ACTOR


def _entry(package_id: str) -> dict[str, Any]:
    package = model.Package.get(package_id)
    return {"package_id": package_id, "name": package.name if package else "",
            "title": package.title if package else ""}


def request(found: Request, who: Viewer, brief: bool = False) -> dict[str, Any]:
    """A request; `brief` leaves out decisions and grants (lists)."""
    today = clock.now().date()
    result: dict[str, Any] = {
        "id": found.id, "number": found.number, "kind": found.kind,
        "kind_label": workflow.KIND_LABELS[found.kind], "state": found.state,
        "state_label": workflow.STATE_LABELS[found.state],
        "requester": _user(found.requester_user_id), "requester_user_id": found.requester_user_id,
        "requester_org": _org(found.requester_org_id), "provider_org": _org(found.provider_org_id),
        "requester_text": workflow.requester_text(found), "applicant": dict(found.applicant or {}),
        "scenario_id": found.scenario_id,
        "scenario": (model.Session.get(Scenario, found.scenario_id).name
                     if found.scenario_id else ""),
        "purpose": found.purpose, "basis": found.basis,
        "start_date": _day(found.start_date), "end_date": _day(found.end_date),
        "frequency": found.frequency, "delivery": found.delivery, "territory": found.territory,
        "territory_label": scenarios.TERRITORY_LABELS[found.territory],
        "contact_name": found.contact_name, "contact_phone": found.contact_phone,
        "commitment": found.commitment_at is not None,
        "attachments": [dict(a) for a in found.attachments or []],
        "created": _time(found.created), "submitted": _time(found.submitted),
        "closed": _time(found.closed),
        "due_date": _day(found.due_date), "due_note": found.due_note,
        "due_text": clock.chinese_date(found.due_date) if found.due_date else "",
        "overdue": workflow.overdue(found, today),
        "escalated": found.escalated_at is not None,
        "entries": [dict(_entry(line.package_id), resource_id=line.resource_id, items=line.items)
                    for line in found.items],
        "actions": [name for name in workflow.TRANSITIONS
                    if found.state in workflow.TRANSITIONS[name].sources
                    and workflow.refusal(who, found, name) is None],
    }
    if not brief:
        result["decisions"] = [{
            "transition": d.transition, "from_state": d.from_state, "to_state": d.to_state,
            "to_label": workflow.STATE_LABELS.get(d.to_state, d.to_state),
            "actor": _user(d.actor_user_id), "reason": d.reason, "rule": d.rule,
            "created": _time(d.created), "created_text": clock.beijing_text(d.created),
        } for d in found.decisions]
        result["grants"] = [grant(g) for g in model.Session.query(Grant).filter(
            Grant.request_id == found.id).order_by(Grant.created)]
    return result


def scenario(found: Scenario, who: Optional[Viewer] = None) -> dict[str, Any]:
    return {
        "id": found.id, "name": found.name, "description": found.description,
        "legal_basis": found.legal_basis, "requester_kinds": list(found.requester_kinds or []),
        "requester_org_ids": list(found.requester_org_ids or []),
        "coverage": [dict(_entry(c["package_id"]), items=c.get("items"))
                     for c in found.coverage or []],
        "max_grade": found.max_grade, "max_days": found.max_days,
        "delivery_methods": list(found.delivery_methods or []), "territory": found.territory,
        "territory_label": scenarios.TERRITORY_LABELS[found.territory],
        "route": found.route, "route_label": scenarios.ROUTE_LABELS[found.route],
        "state": found.state, "rule": scenarios.rule_text(found),
        "created": _time(found.created), "modified": _time(found.modified),
    }


def grant(found: Grant) -> dict[str, Any]:
    now = datetime.datetime.now(datetime.timezone.utc)
    if found.state != Grant.STATE_ACTIVE:
        status = "已撤销"
    elif found.valid_until <= now:
        status = "已到期"
    elif found.valid_from > now:
        status = "未生效"
    else:
        status = "有效"
    request_number = model.Session.get(Request, found.request_id).number \
        if found.request_id else ""
    return {
        "id": found.id, **_entry(found.package_id), "resource_id": found.resource_id,
        "grantee_org": _org(found.grantee_org_id), "grantee_user_id": found.grantee_user_id,
        "items": found.items, "region_code": found.region_code,
        "valid_from": _time(found.valid_from), "valid_until": _time(found.valid_until),
        "state": found.state, "status": status, "purpose": found.purpose,
        "request_id": found.request_id, "request_number": request_number,
        "revoked_at": _time(found.revoked_at), "revoke_reason": found.revoke_reason,
    }


def notice(found: Notice) -> dict[str, Any]:
    return {"id": found.id, "request_id": found.request_id, "subject": found.subject,
            "body": found.body, "created": _time(found.created),
            "created_text": clock.beijing_text(found.created), "read": found.read_at is not None}
