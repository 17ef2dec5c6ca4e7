"""Actions of the audit log (ckanext.datong.sharing.audit): list its events, verify its chain."""
from __future__ import annotations

import datetime
import re
from typing import Any, Callable, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey, Schema

from ckanext.datong import access, clock
from ckanext.datong.sharing import audit

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
PROBLEMS_SHOWN = 100
"""verify's problems returned by the action (all are counted)."""
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HASH = re.compile(r"^[0-9a-f]{64}$")


def _package_id(value: str) -> str:
    """An entry's id from its id or URL name; any other value as given (the log outlives
    deleted entries)."""
    package = model.Package.get(value)
    return package.id if package else value


def _known_action(value: str) -> str:
    if value not in audit.ACTION_LABELS:
        raise Invalid(f"未知的操作类型“{value}”")
    return value


def _beijing_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    text = str(value).strip()
    try:
        if DATE.match(text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise Invalid("日期格式应为 YYYY-MM-DD，例如 2026-12-03")


def _whole_number(low: int, high: Optional[int], message: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise Invalid(message) from None
        if number < low or (high is not None and number > high):
            raise Invalid(message)
        return number

    return check


def _period_in_order(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                     context: Context) -> None:
    since, until = data.get(("since",)), data.get(("until",))
    if isinstance(since, datetime.date) and isinstance(until, datetime.date) and since > until:
        errors[("until",)].append("结束日期不能早于开始日期")


def _head_hash(value: str) -> str:
    if not HASH.match(value):
        raise Invalid("链头哈希应为64位小写十六进制字符")
    return value


@validator_args
def datong_audit_list_schema(ignore_empty: Any, unicode_safe: Any, default: Any) -> Schema:
    return {
        "package_id": [ignore_empty, unicode_safe, _package_id],
        "object_id": [ignore_empty, unicode_safe],
        "action": [ignore_empty, unicode_safe, _known_action],
        "since": [ignore_empty, _beijing_date],
        "until": [ignore_empty, _beijing_date],
        "limit": [default(DEFAULT_LIMIT),
                  _whole_number(1, MAX_LIMIT, f"limit 应为 1 至 {MAX_LIMIT} 之间的整数")],
        "offset": [default(0), _whole_number(0, None, "offset 应为不小于 0 的整数")],
        "__after": [_period_in_order],
    }


@validator_args
def datong_audit_verify_schema(ignore_empty: Any, unicode_safe: Any) -> Schema:
    return {"expect_head": [ignore_empty, unicode_safe, _head_hash]}


def _start_of(day: Optional[datetime.date]) -> Optional[datetime.datetime]:
    """Midnight of a Beijing date."""
    return datetime.datetime.combine(day, datetime.time(), clock.BEIJING) if day else None


def _visible_orgs(context: Context) -> Optional[frozenset[str]]:
    """None (every event) for the data authority, sysadmins and internal calls; else the
    caller's organizations."""
    viewer = access.viewer_from_context(context)
    if context.get("ignore_auth") or viewer.authority or viewer.sysadmin:
        return None
    return viewer.org_ids


def filters_for(context: Context, data_dict: dict[str, Any]) -> audit.Filters:
    """The events the caller may list for these validated parameters (datong_audit_list and
    the CSV export)."""
    until = data_dict.get("until")
    return audit.Filters(
        package_id=data_dict.get("package_id"), object_id=data_dict.get("object_id"),
        action=data_dict.get("action"), since=_start_of(data_dict.get("since")),
        until=_start_of(until + datetime.timedelta(days=1) if until else None),
        org_ids=_visible_orgs(context))


@tk.side_effect_free
@validate(datong_audit_list_schema)
def datong_audit_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Audit events, newest first. The data authority sees every event; a member of an
    organization those whose providing or requesting organization is theirs.

    :param package_id: id or URL name of a catalog entry
    :param object_id: id of the request or grant
    :param action: an action name such as ``request.approved`` or ``grant.used``
    :param since: first day (Beijing date, YYYY-MM-DD), inclusive
    :param until: last day (Beijing date, YYYY-MM-DD), inclusive
    :param limit: at most 1000 (default 100)
    :param offset: events to skip
    :returns: ``count`` and ``results``, each event with ``action_label`` and ``occurred`` in
        Beijing time (ISO 8601)
    """
    tk.check_access("datong_audit_list", context, data_dict)
    filters = filters_for(context, data_dict)
    return {"count": audit.count(filters),
            "results": list(audit.rows(filters, newest_first=True, limit=data_dict["limit"],
                                       offset=data_dict["offset"]))}


@validate(datong_audit_verify_schema)
def datong_audit_verify(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Recompute the whole SM3 chain of the audit log (the data authority only).

    :param expect_head: a head hash recorded elsewhere, which must still be in the log
    :returns: ``ok``, ``events``, ``head_seq``, ``head_hash``, ``summary``, ``problem_count``
        and the first 100 ``problems`` (``seq``, ``message``)
    """
    tk.check_access("datong_audit_verify", context, data_dict)
    result = audit.verify(expect_head=data_dict.get("expect_head"))
    return {"ok": result.ok, "events": result.events, "head_seq": result.head_seq,
            "head_hash": result.head_hash, "summary": result.summary(),
            "problem_count": len(result.problems),
            "problems": [{"seq": seq, "message": message}
                         for seq, message in result.problems[:PROBLEMS_SHOWN]]}
