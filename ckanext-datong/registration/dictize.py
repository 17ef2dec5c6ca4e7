"""Registration records as the API returns them. What a reader learns of the linked entry is
decided by access/ (package_show as the reader): its title, 信息资源代码 and grade only when
they may see the entry, and the grade only where package_show shows it to them. The
registration's own fields (name, summary, holders …) are public once it is in notice: the
application form says so."""
from __future__ import annotations

import datetime
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datong import clock
from ckanext.datong.access.identity import Viewer
from ckanext.datong.model import Objection, Registration
from ckanext.datong.registration import chain, workflow

ENTRY_FACTS = ("package_id", "catalog_code", "grade")
HIDDEN_ENTRY = "关联的数据目录不对公众公开"
OBJECTION_LABELS = {Objection.OPEN: "待处理", Objection.UPHELD: "异议成立",
                    Objection.DISMISSED: "异议不成立"}
EVENT_LABELS = {name: t.label for name, t in workflow.TRANSITIONS.items()}


def _time(moment: Optional[datetime.datetime]) -> Optional[str]:
    return moment.astimezone(clock.BEIJING).isoformat(timespec="seconds") if moment else None


def _user(user_id: Optional[str]) -> str:
    user = model.User.get(user_id) if user_id else None
    return user.display_name if user else ""


def entry(who: Viewer, package_id: str) -> Optional[dict[str, Any]]:
    """The linked entry as `who` may see it, or None."""
    try:
        shown = tk.get_action("package_show")(
            {"user": who.name, "auth_user_obj": who.user}, {"id": package_id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
    return {"package_id": shown["id"], "name": shown["name"], "title": shown.get("title") or "",
            "catalog_code": shown.get("resource_code") or "",
            "grade": shown.get("data_grade") or ""}


def privileged(who: Viewer, record: Registration) -> bool:
    """The holder's members, the authority and sysadmins read reasons and who acted."""
    return who.sysadmin or who.authority or record.org_id in who.org_ids


def _content(content: dict[str, Any], seen: Optional[dict[str, Any]]) -> dict[str, Any]:
    shown = {key: value for key, value in content.items() if key not in ENTRY_FACTS}
    if seen is not None:
        shown["package_id"] = content.get("package_id")
        shown["catalog_code"] = content.get("catalog_code") or ""
        shown["grade"] = content.get("grade") if seen["grade"] else ""
    shown["object_label"] = content.get("object", "")
    return shown


def registration(record: Registration, who: Viewer, brief: bool = False) -> dict[str, Any]:
    """A record; `brief` leaves out the history and objections (lists)."""
    seen = entry(who, record.package_id)
    inside = privileged(who, record)
    open_objections = sum(o.state == Objection.OPEN for o in record.objections)
    result: dict[str, Any] = {
        "id": record.id, "number": record.number, "code": record.code,
        "state": record.state, "state_label": workflow.STATE_LABELS[record.state],
        "reg_type": record.reg_type, "reg_type_label": workflow.TYPE_LABELS[record.reg_type],
        "version": record.version, "org_id": record.org_id,
        "content": _content(record.content, seen),
        "entry": seen, "entry_note": "" if seen else HIDDEN_ENTRY,
        "notice_start": record.notice_start.isoformat() if record.notice_start else None,
        "notice_until": record.notice_until.isoformat() if record.notice_until else None,
        "notice_note": record.notice_note, "notice_over": workflow.notice_over(record),
        "open_objections": open_objections,
        "issued": _time(record.issued), "created": _time(record.created),
        "modified": _time(record.modified),
        "actions": workflow.steps(who, record),
    }
    if inside:
        result["applicant"] = _user(record.applicant_user_id)
        result["pending"] = (
            {"reg_type": record.pending["reg_type"],
             "reg_type_label": workflow.TYPE_LABELS[record.pending["reg_type"]],
             "content": _content(record.pending["content"], seen)} if record.pending else None)
    if brief:
        return result
    rows = chain.history(record.id)
    result["history"] = [{
        "seq": row.seq, "record_seq": row.record_seq, "version": row.version,
        "reg_type_label": workflow.TYPE_LABELS.get(row.reg_type, row.reg_type),
        "event": row.event, "event_label": EVENT_LABELS.get(row.event, row.event),
        "state_label": workflow.STATE_LABELS.get(row.state, row.state), "code": row.code,
        "occurred": _time(row.occurred), "hash": row.hash,
        "prev_record_hash": row.prev_record_hash, "prev_registry_hash": row.prev_registry_hash,
        **({"actor": row.actor_name, "reason": row.reason} if inside else {}),
    } for row in rows]
    result["head_hash"] = rows[-1].hash if rows else ""
    result["objections"] = [{
        "id": o.id, "state": o.state, "state_label": OBJECTION_LABELS[o.state],
        "created": _time(o.created), "settled": _time(o.settled),
        **({"reason": o.reason, "by": _user(o.user_id), "settle_reason": o.settle_reason}
           if inside or o.user_id == who.user_id else {}),
    } for o in record.objections]
    return result
