"""Actions of data asset registration (数据资产登记, docs/registration.md).

Every state or content change goes through ckanext.datong.registration.workflow; these
actions validate, check access, call it, commit and return the dictized record.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context

from ckanext.datong import access
from ckanext.datong.logic import schema
from ckanext.datong.model import Registration
from ckanext.datong.registration import chain, dictize, workflow

ACTIONS = (
    "datong_registration_create", "datong_registration_update", "datong_registration_change",
    "datong_registration_show", "datong_registration_list", "datong_registration_accept",
    "datong_registration_review", "datong_registration_settle",
    "datong_registration_change_review", "datong_registration_object",
    "datong_registration_issue", "datong_registration_verify",
)


def _viewer(context: Context) -> access.Viewer:
    return access.viewer_from_context(context)


def _done(context: Context, record: Registration) -> dict[str, Any]:
    if not context.get("defer_commit"):
        model.Session.commit()
    return dictize.registration(record, _viewer(context))


def _validated(data_dict: dict[str, Any], make_schema: Any, context: Context) -> dict[str, Any]:
    data, errors = tk.navl_validate(data_dict, make_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    return data


@validate(schema.datong_registration_create_schema)
def datong_registration_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A 首次 registration application (申请) for a catalog entry the applicant's department
    holds. The registration's own fields become public once it is in notice.

    :param package_id: the linked catalog entry (id or URL name)
    :param object: 数据资源 or 数据产品
    :param name: / :param summary: the registration's name and summary (public)
    :param source_basis: 来源与合法性依据
    :param holder_resource: / :param holder_processing: / :param holder_operation: the holders
        of 数据资源持有权, 数据加工使用权 and 数据产品经营权
    :param scale: 数据规模; :param data_format: 数据格式
    :param valid_from: / :param valid_until: 有效期, YYYY-MM-DD
    """
    tk.check_access("datong_registration_create", context, data_dict)
    if data_dict["valid_until"] < data_dict["valid_from"]:
        raise tk.ValidationError({"valid_until": ["有效期截止日期不能早于起始日期"]})
    record = workflow.create(_viewer(context), data_dict["package_id"], data_dict)
    return _done(context, record)


@validate(schema.datong_registration_update_schema)
def datong_registration_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Correct and resubmit an application returned for correction (退回补正): every field of
    datong_registration_create but the entry. :param id:"""
    tk.check_access("datong_registration_update", context, data_dict)
    if data_dict["valid_until"] < data_dict["valid_from"]:
        raise tk.ValidationError({"valid_until": ["有效期截止日期不能早于起始日期"]})
    record = workflow.resubmit(_viewer(context), _record(data_dict).id, data_dict)
    return _done(context, record)


def datong_registration_change(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The holder files a 变更 or 更正 (with every content field of datong_registration_create)
    or a 注销 of an issued registration; the authority reviews it
    (datong_registration_change_review).

    :param id: :param reg_type: ``change``, ``correction`` or ``cancellation``
    :param reason: why (required)
    """
    data = _validated(data_dict, schema.datong_registration_change_schema, context)
    tk.check_access("datong_registration_change", context, data)
    fields = None
    if data["reg_type"] != workflow.CANCELLATION:
        fields = _validated({k: v for k, v in data_dict.items() if k in workflow.CONTENT_FIELDS},
                            schema.datong_registration_content_schema, context)
        if fields["valid_until"] < fields["valid_from"]:
            raise tk.ValidationError({"valid_until": ["有效期截止日期不能早于起始日期"]})
    record = workflow.file_change(_viewer(context), _record(data).id, data["reg_type"],
                                  data["reason"], fields)
    return _done(context, record)


def _record(data_dict: dict[str, Any]) -> Registration:
    record = workflow.find(str(data_dict.get("id") or ""))
    if record is None:
        raise tk.ObjectNotFound(workflow.NOT_FOUND)
    return record


@tk.side_effect_free
def datong_registration_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """One record with its history (the chain rows) and objections. Records in notice and
    on the register are public.

    :param id: its id, application number or 登记编号
    """
    tk.check_access("datong_registration_show", context, data_dict)
    return dictize.registration(_record(data_dict), _viewer(context))


@tk.side_effect_free
@validate(schema.datong_registration_list_schema)
def datong_registration_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Records, newest first.

    :param role: ``notice`` (in public notice, by deadline: public), ``register`` (issued,
        changing and cancelled: public), ``mine`` (my departments' records) or ``authority``
        (every record: the review queue)
    :param state: only this state; :param limit: (default 50, at most 500) / :param offset:
    """
    tk.check_access("datong_registration_list", context, data_dict)
    who = _viewer(context)
    role = data_dict.get("role") or "notice"
    query = model.Session.query(Registration)
    order = Registration.modified.desc()
    if role == "notice":
        query = query.filter(Registration.state == workflow.NOTICE)
        order = Registration.notice_until
    elif role == "register":
        query = query.filter(Registration.state.in_((workflow.ISSUED, workflow.CHANGING,
                                                     workflow.CANCELLED)))
        order = Registration.code.desc()
    elif role == "mine":
        query = query.filter(sa.or_(Registration.org_id.in_(sorted(who.org_ids)),
                                    Registration.applicant_user_id == who.user_id))
    if data_dict.get("state"):
        query = query.filter(Registration.state == data_dict["state"])
    total = query.count()
    limit = min(int(data_dict.get("limit") or 50), 500)
    found = query.order_by(order, Registration.number).limit(limit) \
        .offset(int(data_dict.get("offset") or 0)).all()
    return {"count": total, "results": [dictize.registration(r, who, brief=True) for r in found]}


def _decision(action_name: str) -> Any:
    """A deciding action of the authority (workflow.OUTCOMES): id, outcome and reason (and the
    objection's id when settling one)."""
    outcomes = workflow.OUTCOMES[action_name]

    def action(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
        data = _validated(data_dict,
                          lambda: schema.datong_registration_decide_schema(tuple(outcomes)),
                          context)
        tk.check_access(action_name, context, data)
        record = workflow.apply(_viewer(context), _record(data).id, outcomes[data["outcome"]],
                                data.get("reason") or "", data.get("objection_id") or "")
        return _done(context, record)
    action.__name__ = action_name
    return action


def _single(action_name: str, transition: str) -> Any:
    def action(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
        data = _validated(data_dict, schema.datong_registration_id_schema, context)
        tk.check_access(action_name, context, data)
        record = workflow.apply(_viewer(context), _record(data).id, transition,
                                data.get("reason") or "")
        return _done(context, record)
    action.__name__ = action_name
    return action


datong_registration_accept = _decision("datong_registration_accept")
datong_registration_accept.__doc__ = """受理 or 不予受理 an application (the authority).
:param id: :param outcome: accept or refuse :param reason: required to refuse"""
datong_registration_review = _decision("datong_registration_review")
datong_registration_review.__doc__ = """形式审核 (the authority): pass starts the public notice
(ckanext.datong.registration.notice_days working days), return asks for correction, refuse
ends it. :param id: :param outcome: pass, return or refuse :param reason: required to return or
refuse"""
datong_registration_settle = _decision("datong_registration_settle")
datong_registration_settle.__doc__ = """Settle an objection (the authority): uphold refuses the
registration, dismiss lets it continue. :param id: :param objection_id: :param outcome: uphold
or dismiss :param reason: required"""
datong_registration_change_review = _decision("datong_registration_change_review")
datong_registration_change_review.__doc__ = """Review a 变更, 更正 or 注销 (the authority):
approve writes the new version (注销: cancels), reject keeps the record as it was.
:param id: :param outcome: approve or reject :param reason: required to reject"""
datong_registration_object = _single("datong_registration_object", "object")
datong_registration_object.__doc__ = """File an objection (异议) to a registration in public
notice (anybody signed in but the holder). :param id: :param reason: required"""
datong_registration_issue = _single("datong_registration_issue", "issue")
datong_registration_issue.__doc__ = """赋码 (the authority): issue the 登记编号 once the notice
period has ended with no open objection; the refusals (核心 data, dispute, not the holder,
registered already) are checked again and a record meeting one is refused instead.
:param id:"""


@tk.side_effect_free
@validate(schema.datong_registration_verify_schema)
def datong_registration_verify(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Recompute the whole registry chain (public): ``ok``, counts, the head and each
    problem's record, version and message (Chinese).

    :param expect_head: a head hash recorded earlier (optional)
    """
    tk.check_access("datong_registration_verify", context, data_dict)
    return chain.verify(expect_head=data_dict.get("expect_head") or None).as_dict()
