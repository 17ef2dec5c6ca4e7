"""Actions of sharing requests (共享申请), applications for conditionally open data
(有条件开放申请, the same requests with kind ``opening``), scenarios (应用场景), grants and the
inbox.

Every state change goes through ckanext.datong.sharing.workflow.apply; these actions
validate, check access, call it, commit and return the dictized result.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context

from ckanext.datong import access, clock, config, vocabulary
from ckanext.datong.logic import schema
from ckanext.datong.model import Grant, Notice, Request, RequestItem, Scenario
from ckanext.datong.sharing import attachments, audit, dictize, opening, scenarios, workflow

ACTIONS = (
    "datong_request_create", "datong_request_update", "datong_request_show",
    "datong_request_list", "datong_request_submit", "datong_request_withdraw",
    "datong_request_dispute", "datong_request_check", "datong_request_review",
    "datong_request_settle", "datong_scenario_create", "datong_scenario_update",
    "datong_scenario_show", "datong_scenario_list", "datong_grant_list", "datong_grant_revoke",
    "datong_notice_list", "datong_notice_read", "datong_request_attach", "datong_request_detach",
    "datong_opening_create", "datong_opening_update",
)

NO_ENTRIES = "请至少选择一个数据目录"
ONE_PROVIDER = "一份申请只能申请同一提供部门的数据，请按提供部门分别申请"
OWN_DATA = "本部门的数据无需申请"
OPEN_DATA = "「{}」为无条件共享数据，无需申请，可直接获取"
NO_SUCH_ITEM = "「{}」没有信息项“{}”"
NO_SUCH_RESOURCE = "「{}」没有该资源"
NOT_MEMBER = "请选择您所在的单位作为申请单位"
NO_ORG = "只有政务部门（县区、市直部门）的工作人员可以提交共享申请"
OWN_TERRITORY = "只有县区单位可以按属地申请本县区数据"
PAST_START = "使用期限的起始日期不能早于今天"
NO_SCENARIO = "找不到该应用场景，或该场景已停用"


def _viewer(context: Context) -> access.Viewer:
    return access.viewer_from_context(context)


def _request(request_id: str) -> Request:
    request = model.Session.get(Request, request_id)
    if request is None:
        raise tk.ObjectNotFound("未找到该共享申请")
    return request


def _requester_org(who: access.Viewer, org_id: Optional[str]) -> str:
    if not who.org_ids:
        raise tk.ValidationError({"requester_org_id": [NO_ORG]})
    if org_id:
        if org_id not in who.org_ids:
            raise tk.ValidationError({"requester_org_id": [NOT_MEMBER]})
        return org_id
    if len(who.org_ids) > 1:
        raise tk.ValidationError({"requester_org_id": [NOT_MEMBER]})
    return next(iter(who.org_ids))


def _lines(context: Context, who: access.Viewer, entries: list[dict[str, Any]],
           requester_org_id: str) -> tuple[str, list[RequestItem]]:
    """The provider and the request's lines, each entry checked as its requester sees it: an
    entry they may not see is reported exactly as one that does not exist."""
    if not entries:
        raise tk.ValidationError({"entries": [NO_ENTRIES]})
    providers, lines = set(), []
    for position, wanted in enumerate(entries):
        try:
            entry = tk.get_action("package_show")(
                {"user": who.name, "auth_user_obj": who.user}, {"id": wanted["package_id"]})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            raise tk.ValidationError({"entries": [access.NOT_FOUND_MESSAGE]})
        title = entry.get("title") or entry["name"]
        if entry.get("owner_org") == requester_org_id:
            raise tk.ValidationError({"entries": [OWN_DATA]})
        if entry.get("share_type") == vocabulary.values("share_types")[0]:
            raise tk.ValidationError({"entries": [OPEN_DATA.format(title)]})
        names = {str(item.get("item_name")) for item in entry.get("items") or []}
        for name in wanted.get("items") or []:
            if name not in names:
                raise tk.ValidationError({"entries": [NO_SUCH_ITEM.format(title, name)]})
        resource_id = wanted.get("resource_id") or None
        if resource_id and resource_id not in {r["id"] for r in entry.get("resources") or []}:
            raise tk.ValidationError({"entries": [NO_SUCH_RESOURCE.format(title)]})
        providers.add(entry["owner_org"])
        lines.append(RequestItem(position=position, package_id=entry["id"],
                                 resource_id=resource_id, items=wanted.get("items")))
    if len(providers) != 1:
        raise tk.ValidationError({"entries": [ONE_PROVIDER]})
    return providers.pop(), lines


def _fill(context: Context, who: access.Viewer, request: Request, data: dict[str, Any]) -> None:
    """Set the request's fields from validated input."""
    org_id = _requester_org(who, data.get("requester_org_id"))
    if data["end_date"] < data["start_date"]:
        raise tk.ValidationError({"end_date": ["使用期限的截止日期不能早于起始日期"]})
    if data["start_date"] < clock.now().date():
        raise tk.ValidationError({"start_date": [PAST_START]})
    territory = data.get("territory") or Scenario.TERRITORY_ANY
    org = model.Group.get(org_id)
    if territory == Scenario.TERRITORY_OWN:
        if not scenarios.is_county((org.extras.get("region_code") or "") if org else ""):
            raise tk.ValidationError({"territory": [OWN_TERRITORY]})
    scenario_id = data.get("scenario_id") or None
    if scenario_id:
        scenario = model.Session.get(Scenario, scenario_id)
        if scenario is None or scenario.state != Scenario.STATE_ACTIVE:
            raise tk.ValidationError({"scenario_id": [NO_SCENARIO]})
    provider, lines = _lines(context, who, data.get("entries") or [], org_id)
    request.requester_org_id, request.provider_org_id = org_id, provider
    request.scenario_id = scenario_id
    for key in ("purpose", "basis", "start_date", "end_date", "frequency", "delivery",
                "contact_name", "contact_phone"):
        setattr(request, key, data[key])
    request.territory = territory
    request.commitment_at = datetime.datetime.now(datetime.timezone.utc) \
        if data.get("commitment") else None
    request.items = lines
    request.modified = datetime.datetime.now(datetime.timezone.utc)


def _done(context: Context, request: Request) -> dict[str, Any]:
    if not context.get("defer_commit"):
        model.Session.commit()
    return dictize.request(request, _viewer(context))


@validate(schema.datong_request_create_schema)
def datong_request_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A draft sharing request (共享申请) for entries of one provider.

    :param requester_org_id: the applying organization (id or name); optional when the user
        belongs to exactly one
    :param entries: ``[{"package_id": …, "resource_id": … (optional), "items": [信息项 names]
        (optional: every item)}]``
    :param scenario_id: the application scenario (应用场景), optional
    :param purpose: 使用用途; :param basis: 申请依据 (law or mandate)
    :param start_date: / :param end_date: the period of use, YYYY-MM-DD
    :param frequency: 使用频度; :param delivery: 共享方式 (接口, 库表, 文件, 邮件/介质)
    :param territory: ``own`` for the rows of the requester's county only (按属地), or ``any``
    :param contact_name: / :param contact_phone: the requester's contact
    :param commitment: true when the requester accepts the data security commitment (安全承诺)
    """
    tk.check_access("datong_request_create", context, data_dict)
    who = _viewer(context)
    request = Request(state=workflow.DRAFT, requester_user_id=who.user_id)
    _fill(context, who, request, data_dict)
    request.number = workflow.next_number()
    model.Session.add(request)
    model.Session.flush()
    audit.append(action="request.created", object_type="request", object_id=request.id,
                 actor=who.user, provider_org_id=request.provider_org_id,
                 requester_org_id=request.requester_org_id, detail={"number": request.number})
    return _done(context, request)


@validate(schema.datong_request_update_schema)
def datong_request_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change a draft or returned request (every field of datong_request_create)."""
    tk.check_access("datong_request_update", context, data_dict)
    request = _editable(data_dict["id"])
    _fill(context, _viewer(context), request, data_dict)
    return _done(context, request)


def _kind(data_dict: dict[str, Any]) -> str:
    """The kind of the stored request named by `id` (attachments belong to both kinds)."""
    found = model.Session.get(Request, str(data_dict.get("id") or ""))
    return found.kind if found is not None else Request.KIND_SHARE


def _opening_line(who: access.Viewer, data: dict[str, Any], request_id: Optional[str]
                  ) -> tuple[str, RequestItem]:
    """The provider and the one line of an opening request: the entry as the applicant sees
    it (one they may not see is reported as one that does not exist), conditionally open,
    not yet downloadable by them, and not already applied for."""
    try:
        entry = tk.get_action("package_show")(
            {"user": who.name, "auth_user_obj": who.user}, {"id": data["package_id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        raise tk.ValidationError({"package_id": [access.NOT_FOUND_MESSAGE]})
    title = entry.get("title") or entry["name"]
    refused = opening.refusal(entry)
    if refused:
        raise tk.ValidationError({"package_id": [refused]})
    resource_id = data.get("resource_id") or None
    resources = [r["id"] for r in entry.get("resources") or []]
    if resource_id and resource_id not in resources:
        raise tk.ValidationError({"resource_id": [NO_SUCH_RESOURCE.format(title)]})
    statuses = access.file_statuses(who, access.Entry.of_dict(entry), [resource_id])
    if statuses == [access.ALLOWED]:
        raise tk.ValidationError({"package_id": [opening.ALREADY_ALLOWED.format(title)]})
    pending = workflow.running_opening(who.user_id, entry["id"], besides=request_id or "")
    if pending is not None:
        raise tk.ValidationError({"package_id": [opening.PENDING.format(title, pending.number)]})
    return entry["owner_org"], RequestItem(position=0, package_id=entry["id"],
                                           resource_id=resource_id, items=None)


def _fill_opening(who: access.Viewer, request: Request, data: dict[str, Any]) -> None:
    """Set an opening request's fields from validated input; the period starts today."""
    today = clock.now().date()
    longest = config.opening_max_days()
    if data["end_date"] < today:
        raise tk.ValidationError({"end_date": [opening.PERIOD_PAST]})
    if (data["end_date"] - today).days + 1 > longest:
        last = today + datetime.timedelta(days=longest - 1)
        raise tk.ValidationError({"end_date": [
            opening.PERIOD_TOO_LONG.format(longest, clock.chinese_date(last))]})
    problem = opening.applicant_problem(data["applicant_kind"], data.get("applicant_uscc") or "")
    if problem:
        raise tk.ValidationError({"applicant_uscc": [problem]})
    provider, line = _opening_line(who, data, request.id)
    request.provider_org_id, request.items = provider, [line]
    company = data["applicant_kind"] == "company"
    request.applicant = {"kind": data["applicant_kind"], "name": data["applicant_name"],
                         "uscc": (data.get("applicant_uscc") or "") if company else ""}
    request.purpose, request.contact_phone = data["purpose"], data["contact_phone"]
    request.contact_name = data["applicant_name"]
    request.start_date, request.end_date = today, data["end_date"]
    request.commitment_at = datetime.datetime.now(datetime.timezone.utc) \
        if data.get("agreement") else None
    request.modified = datetime.datetime.now(datetime.timezone.utc)


@validate(schema.datong_opening_create_schema)
def datong_opening_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """An application for the files of a conditionally open (有条件开放) entry, by a signed-in
    citizen or company, as a draft; datong_request_submit sends it to the provider, whose
    approval (datong_request_review) grants the applicant the download until `end_date`.

    :param package_id: the entry (id or URL name)
    :param resource_id: one of its files (optional: every file)
    :param applicant_kind: ``person`` (个人) or ``company`` (企业)
    :param applicant_name: the person's or the company's name
    :param applicant_uscc: the company's 统一社会信用代码 (required for ``company``)
    :param purpose: 使用用途
    :param end_date: last day of use, YYYY-MM-DD (at most ``ckanext.datong.opening.max_days``
        days from today)
    :param contact_phone: mobile number or landline with area code
    :param agreement: true when the applicant accepts the data-use agreement (数据利用协议)
    """
    tk.check_access("datong_opening_create", context, data_dict)
    who = _viewer(context)
    request = Request(kind=Request.KIND_OPENING, state=workflow.DRAFT,
                      requester_user_id=who.user_id)
    _fill_opening(who, request, data_dict)
    request.number = workflow.next_number(Request.KIND_OPENING)
    model.Session.add(request)
    model.Session.flush()
    audit.append(action="request.created", object_type="request", object_id=request.id,
                 actor=who.user, provider_org_id=request.provider_org_id,
                 detail={"number": request.number})
    return _done(context, request)


@validate(schema.datong_opening_update_schema)
def datong_opening_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change a draft or returned opening request (every field of datong_opening_create)."""
    tk.check_access("datong_opening_update", context, data_dict)
    request = _editable(data_dict["id"], Request.KIND_OPENING)
    _fill_opening(_viewer(context), request, data_dict)
    return _done(context, request)


def _editable(request_id: str, kind: str = Request.KIND_SHARE) -> Request:
    """The request of `kind`, locked, when it may still be changed (draft or returned)."""
    request = workflow.locked(request_id)
    if request is None or request.kind != kind:
        raise tk.ObjectNotFound(f"未找到该{workflow.KIND_LABELS[kind]}")
    if request.state not in (workflow.DRAFT, workflow.RETURNED):
        raise tk.ValidationError({"state": [
            f"该申请当前为“{workflow.STATE_LABELS[request.state]}”，不能修改"]})
    return request


def datong_request_attach(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Attach a file (批复文件, 授权书 …) to a draft or returned request (multipart upload).

    :param id: the request's id
    :param upload: the file: PDF, OFD, JPG, PNG, DOC(X) or XLS(X), at most
        ``ckanext.datong.sharing.attachment_max_mb``
    """
    tk.check_access("datong_request_attach", context, data_dict)
    request = _editable(str(data_dict.get("id") or ""), _kind(data_dict))
    upload = data_dict.get("upload")
    if not hasattr(upload, "read") and not hasattr(upload, "stream"):
        raise tk.ValidationError({"upload": ["请选择要上传的附件（multipart/form-data 的 upload 字段）"]})
    attachments.add(request, getattr(upload, "filename", "") or "",
                    upload.stream if hasattr(upload, "stream") else upload)
    return _done(context, request)


def datong_request_detach(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Remove an attachment from a draft or returned request.

    :param id: the request's id
    :param attachment_id: the attachment's id
    """
    tk.check_access("datong_request_detach", context, data_dict)
    request = _editable(str(data_dict.get("id") or ""), _kind(data_dict))
    attachments.remove(request, str(data_dict.get("attachment_id") or ""))
    return _done(context, request)


@tk.side_effect_free
def datong_request_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """One request with its entries, decisions, deadline and grants.

    :param id: the request's id
    """
    tk.check_access("datong_request_show", context, data_dict)
    return dictize.request(_request(str(data_dict.get("id") or "")), _viewer(context))


@tk.side_effect_free
@validate(schema.datong_request_list_schema)
def datong_request_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Requests the user may see, newest first.

    :param role: ``mine`` (my organizations' requests and my own applications, the default),
        ``provider`` (requests for my departments' data: the inbox) or ``authority`` (every
        submitted request)
    :param state: only this state; :param overdue: only overdue requests
    :param limit: (default 50, at most 500) / :param offset:
    """
    tk.check_access("datong_request_list", context, data_dict)
    who = _viewer(context)
    role = data_dict.get("role") or "mine"
    query = model.Session.query(Request)
    if role == "mine":
        query = query.filter(sa.or_(Request.requester_org_id.in_(list(who.org_ids)),
                                    Request.requester_user_id == who.user_id))
    elif role == "provider":
        query = query.filter(Request.provider_org_id.in_(list(who.org_ids)),
                             Request.submitted.isnot(None))
    else:
        query = query.filter(Request.submitted.isnot(None))
    if data_dict.get("state"):
        query = query.filter(Request.state == data_dict["state"])
    if data_dict.get("overdue"):
        query = query.filter(Request.state.in_(workflow.RUNNING),
                             Request.due_date < clock.now().date())
    total = query.count()
    limit = min(int(data_dict.get("limit") or 50), 500)
    found = query.order_by(Request.created.desc()).limit(limit) \
        .offset(int(data_dict.get("offset") or 0)).all()
    return {"count": total, "results": [dictize.request(r, who, brief=True) for r in found]}


def _transition(action_name: str) -> Any:
    """A one-transition action (workflow.SINGLE_STEPS): id and, where needed, reason."""
    name = workflow.SINGLE_STEPS[action_name]

    def action(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
        data, errors = tk.navl_validate(data_dict, schema.datong_request_id_schema(), context)
        if errors:
            raise tk.ValidationError(errors)
        tk.check_access(action_name, context, data)
        request = workflow.apply(_viewer(context), data["id"], name, data.get("reason") or "")
        return _done(context, request)
    action.__name__ = action_name
    return action


def _decision(action_name: str) -> Any:
    """A deciding action (workflow.OUTCOMES): id, outcome and reason."""
    outcomes = workflow.OUTCOMES[action_name]

    def action(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
        data, errors = tk.navl_validate(
            data_dict, schema.datong_request_decide_schema(tuple(outcomes)), context)
        if errors:
            raise tk.ValidationError(errors)
        tk.check_access(action_name, context, data)
        request = workflow.apply(_viewer(context), data["id"], outcomes[data["outcome"]],
                                 data.get("reason") or "")
        return _done(context, request)
    action.__name__ = action_name
    return action


datong_request_submit = _transition("datong_request_submit")
datong_request_submit.__doc__ = """Submit a draft or returned request: the scenario's rules
decide at once (automatic approval, refusal of 不予共享 data) or route it to the authority's
conformity check or the provider's review. :param id:"""
datong_request_withdraw = _transition("datong_request_withdraw")
datong_request_withdraw.__doc__ = "Withdraw one's own request before it is decided. :param id:"
datong_request_dispute = _transition("datong_request_dispute")
datong_request_dispute.__doc__ = """Dispute a rejection; the authority settles it.
:param id: :param reason: required"""
datong_request_check = _decision("datong_request_check")
datong_request_check.__doc__ = """The authority's conformity check.
:param id: :param outcome: pass, return or reject :param reason: required to return or reject"""
datong_request_review = _decision("datong_request_review")
datong_request_review.__doc__ = """The provider's decision; approval issues the grants.
:param id: :param outcome: approve, reject or return :param reason: required to reject or return"""
datong_request_settle = _decision("datong_request_settle")
datong_request_settle.__doc__ = """The authority settles a dispute.
:param id: :param outcome: approve or reject :param reason: required"""


# ------------------------------------------------------------------------------ scenarios

@validate(schema.datong_scenario_schema)
def datong_scenario_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A new application scenario (data authority only). See docs/sharing.md for the fields."""
    tk.check_access("datong_scenario_create", context, data_dict)
    if model.Session.query(Scenario.id).filter(Scenario.name == data_dict["name"]).first():
        raise tk.ValidationError({"name": [f"已有名为“{data_dict['name']}”的应用场景"]})
    scenario = Scenario(creator_user_id=_viewer(context).user_id)
    _set_scenario(scenario, data_dict)
    model.Session.add(scenario)
    model.Session.commit()
    return dictize.scenario(scenario)


@validate(schema.datong_scenario_update_schema)
def datong_scenario_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change a scenario (data authority only); requests already decided keep their decisions."""
    tk.check_access("datong_scenario_update", context, data_dict)
    scenario = model.Session.get(Scenario, data_dict["id"])
    if scenario is None:
        raise tk.ObjectNotFound("未找到该应用场景")
    clash = model.Session.query(Scenario.id).filter(
        Scenario.name == data_dict["name"], Scenario.id != scenario.id).first()
    if clash:
        raise tk.ValidationError({"name": [f"已有名为“{data_dict['name']}”的应用场景"]})
    _set_scenario(scenario, data_dict)
    scenario.modified = datetime.datetime.now(datetime.timezone.utc)
    model.Session.commit()
    return dictize.scenario(scenario)


def _set_scenario(scenario: Scenario, data: dict[str, Any]) -> None:
    coverage = [{"package_id": entry["package_id"], "items": entry.get("items")}
                for entry in data.get("coverage") or []]
    if not coverage:
        raise tk.ValidationError({"coverage": ["请至少选择一个场景覆盖的数据目录"]})
    for key in ("name", "description", "legal_basis", "max_grade", "max_days", "route"):
        setattr(scenario, key, data.get(key) if data.get(key) is not None else "")
    scenario.coverage = coverage
    scenario.requester_kinds = data.get("requester_kinds") or []
    scenario.requester_org_ids = data.get("requester_org_ids") or []
    scenario.delivery_methods = data.get("delivery_methods") or []
    scenario.territory = data.get("territory") or Scenario.TERRITORY_ANY
    scenario.state = data.get("state") or Scenario.STATE_ACTIVE


@tk.side_effect_free
def datong_scenario_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """One scenario. :param id:"""
    tk.check_access("datong_scenario_show", context, data_dict)
    scenario = model.Session.get(Scenario, str(data_dict.get("id") or ""))
    if scenario is None:
        raise tk.ObjectNotFound("未找到该应用场景")
    return dictize.scenario(scenario, _viewer(context))


@tk.side_effect_free
def datong_scenario_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The active scenarios (the authority also sees retired ones), by name."""
    tk.check_access("datong_scenario_list", context, data_dict)
    who = _viewer(context)
    query = model.Session.query(Scenario)
    if not (who.authority or who.sysadmin):
        query = query.filter(Scenario.state == Scenario.STATE_ACTIVE)
    return [dictize.scenario(s, who) for s in query.order_by(Scenario.name).all()]


# ------------------------------------------------------------------------------ grants, inbox

@tk.side_effect_free
def datong_grant_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Grants the user may see: those to their organizations and those on their
    departments' data; the authority sees all. :param package_id: optional"""
    tk.check_access("datong_grant_list", context, data_dict)
    who = _viewer(context)
    query = model.Session.query(Grant).join(model.Package, model.Package.id == Grant.package_id)
    if not (who.authority or who.sysadmin):
        query = query.filter(sa.or_(Grant.grantee_org_id.in_(list(who.org_ids)),
                                    Grant.grantee_user_id == who.user_id,
                                    model.Package.owner_org.in_(list(who.org_ids))))
    if data_dict.get("package_id"):
        query = query.filter(Grant.package_id == str(data_dict["package_id"]))
    return [dictize.grant(g) for g in query.order_by(Grant.created.desc()).limit(1000).all()]


@validate(schema.datong_grant_revoke_schema)
def datong_grant_revoke(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Revoke a grant (the providing department's editors and admins, or the authority).
    :param id: :param reason: required"""
    tk.check_access("datong_grant_revoke", context, data_dict)
    grant = workflow.revoke_grant(_viewer(context), data_dict["id"], data_dict["reason"])
    model.Session.commit()
    return dictize.grant(grant)


@tk.side_effect_free
def datong_notice_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The user's inbox, newest first: ``unread`` and the latest 100 ``results``."""
    tk.check_access("datong_notice_list", context, data_dict)
    who = _viewer(context)
    notices = model.Session.query(Notice).filter(Notice.user_id == who.user_id) \
        .order_by(Notice.created.desc()).limit(100).all()
    unread = model.Session.query(sa.func.count(Notice.id)).filter(
        Notice.user_id == who.user_id, Notice.read_at.is_(None)).scalar()
    return {"unread": unread, "results": [dictize.notice(n) for n in notices]}


def datong_notice_read(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Mark one notice (:param id:) or, without id, every notice of the user as read."""
    tk.check_access("datong_notice_read", context, data_dict)
    who = _viewer(context)
    query = model.Session.query(Notice).filter(Notice.user_id == who.user_id,
                                               Notice.read_at.is_(None))
    if data_dict.get("id"):
        query = query.filter(Notice.id == str(data_dict["id"]))
    marked = query.update({Notice.read_at: datetime.datetime.now(datetime.timezone.utc)},
                          synchronize_session=False)
    model.Session.commit()
    return {"marked": marked}
