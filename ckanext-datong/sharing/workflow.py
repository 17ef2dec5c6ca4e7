"""The sharing request's state machine: the allowed transitions as data, and `apply`, the one
function that changes a request's state — under a row lock, with its decision record,
deadline, grants, audit events and inbox notices written in the same transaction.

draft → (submit) → checking (authority conformity check) → reviewing (provider) → approved /
rejected / returned; a fitting scenario with an automatic route approves at submission, 不予
共享 data is refused at submission; the requester withdraws, disputes a rejection, and the
authority settles the dispute. Views and actions call `apply`; nothing else sets a state.

An opening request (有条件开放申请, sharing.opening) takes the same states with its own route:
submission sends it to the provider's review, and an approval grants the applicant the files.
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Optional

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.datong import clock, config
from ckanext.datong.access.identity import Viewer
from ckanext.datong.model import Decision, Grant, Request, RequestItem, Scenario
from ckanext.datong.sharing import audit, notify, opening, scenarios, workdays

DRAFT, CHECKING, REVIEWING, RETURNED = "draft", "checking", "reviewing", "returned"
APPROVED, REJECTED, WITHDRAWN, DISPUTED = "approved", "rejected", "withdrawn", "disputed"
STATE_LABELS = {
    DRAFT: "草稿", CHECKING: "待符合性审核", REVIEWING: "待提供部门审核", RETURNED: "退回修改",
    APPROVED: "已批准", REJECTED: "已驳回", WITHDRAWN: "已撤回", DISPUTED: "异议处理中",
}
KIND_LABELS = {Request.KIND_SHARE: "共享申请", Request.KIND_OPENING: "开放申请"}
NUMBER_PREFIXES = {Request.KIND_SHARE: "GX", Request.KIND_OPENING: "KF"}
RUNNING = (CHECKING, REVIEWING, DISPUTED)
"""States in which somebody other than the requester must act, against a deadline."""
CLOSED = (APPROVED, REJECTED, WITHDRAWN)

REQUESTER, AUTHORITY, PROVIDER = "requester", "authority", "provider"
SYSTEM_ACTOR = "系统自动"


@dataclasses.dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    role: str
    target: Optional[str]
    """None: decided at submission by the request's scenario (route_at_submission)."""
    reason_required: bool
    label: str
    audit_action: str


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", (DRAFT, RETURNED), REQUESTER, None, False, "提交", "request.submitted"),
    Transition("withdraw", (DRAFT, CHECKING, REVIEWING, RETURNED), REQUESTER, WITHDRAWN, False,
               "撤回", "request.withdrawn"),
    Transition("check_pass", (CHECKING,), AUTHORITY, REVIEWING, False, "符合性审核通过",
               "request.checked"),
    Transition("check_return", (CHECKING,), AUTHORITY, RETURNED, True, "退回修改", "request.returned"),
    Transition("check_reject", (CHECKING,), AUTHORITY, REJECTED, True, "驳回", "request.rejected"),
    Transition("approve", (REVIEWING,), PROVIDER, APPROVED, False, "批准", "request.approved"),
    Transition("reject", (REVIEWING,), PROVIDER, REJECTED, True, "驳回", "request.rejected"),
    Transition("return", (REVIEWING,), PROVIDER, RETURNED, True, "退回修改", "request.returned"),
    Transition("dispute", (REJECTED,), REQUESTER, DISPUTED, True, "提出异议", "request.disputed"),
    Transition("settle_approve", (DISPUTED,), AUTHORITY, APPROVED, True, "协调后批准",
               "request.approved"),
    Transition("settle_reject", (DISPUTED,), AUTHORITY, REJECTED, True, "协调后维持驳回",
               "request.rejected"),
)}
OUTCOMES: dict[str, dict[str, str]] = {
    "datong_request_check": {"pass": "check_pass", "return": "check_return",
                             "reject": "check_reject"},
    "datong_request_review": {"approve": "approve", "reject": "reject", "return": "return"},
    "datong_request_settle": {"approve": "settle_approve", "reject": "settle_reject"},
}
"""The deciding actions: each `outcome` parameter and the transition it applies."""
SINGLE_STEPS = {"datong_request_submit": "submit", "datong_request_withdraw": "withdraw",
                "datong_request_dispute": "dispute"}
"""The actions that apply one transition each."""

AUTOMATIC = {
    APPROVED: Transition("auto_approve", (), REQUESTER, APPROVED, False, "自动批准",
                         "request.approved"),
    REJECTED: Transition("auto_reject", (), REQUESTER, REJECTED, False, "自动驳回",
                         "request.rejected"),
}
"""The system's decisions at submission (no actor; the decision names the rule)."""


# ------------------------------------------------------------------------------ who may act

def is_provider_staff(who: Viewer, org_id: str) -> bool:
    """An editor or admin of the providing department."""
    return who.user is not None and org_id in who.org_ids and \
        authz.users_role_for_group_or_org(org_id, who.name) in ("admin", "editor")


def refusal(who: Viewer, request: Request, name: str) -> Optional[str]:
    """Why `who` may not apply transition `name` to `request` (Chinese); None when they may.
    The requester never decides their own request; sysadmins may act as the authority."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return "未知的操作"
    if who.user is None:
        return "请先登录"
    own = who.user_id == request.requester_user_id
    if transition.role == REQUESTER:
        return None if own else "只有申请人可以执行此操作"
    if own:
        return "不能审核本人提交的申请"
    if transition.role == AUTHORITY:
        return None if who.authority or who.sysadmin else "只有数据主管部门可以执行此操作"
    return None if is_provider_staff(who, request.provider_org_id) else \
        "只有提供部门的编辑或管理员可以审核此申请"


def may_see(who: Viewer, request: Request) -> bool:
    """The requester's organization (the applicant of an opening request), the provider (once
    submitted), the authority and sysadmins see a request; drafts stay with the requester."""
    if who.user is None:
        return False
    if who.sysadmin or who.user_id == request.requester_user_id \
            or (request.requester_org_id and request.requester_org_id in who.org_ids):
        return True
    if request.submitted is None:
        return False
    return who.authority or request.provider_org_id in who.org_ids


# ------------------------------------------------------------------------------ applying

def locked(request_id: str) -> Optional[Request]:
    """The request, its row locked until the transaction ends (concurrent deciders queue)."""
    return model.Session.query(Request).filter(Request.id == request_id) \
        .populate_existing().with_for_update().one_or_none()


def apply(who: Viewer, request_id: str, name: str, reason: str = "") -> Request:
    """Apply transition `name` to the request, as `who` (already authorized by the action's
    auth function). Raises tk.ObjectNotFound or tk.ValidationError (in Chinese). Does not
    commit: the caller commits, and the queued mail goes out after the commit (notify)."""
    request = locked(request_id)
    if request is None:
        raise tk.ObjectNotFound("未找到该共享申请")
    transition = TRANSITIONS[name]
    reason = (reason or "").strip()
    if request.state not in transition.sources:
        raise tk.ValidationError({"state": [
            f"该申请当前为“{STATE_LABELS[request.state]}”，不能{transition.label}"]})
    if transition.reason_required and not reason:
        raise tk.ValidationError({"reason": [f"{transition.label}必须填写理由"]})
    if name == "dispute" and any(d.transition == "settle_reject" for d in request.decisions):
        raise tk.ValidationError({"state": ["该申请的异议已由数据主管部门处理，不能再次提出"]})
    if transition.target == APPROVED and _period_over(request):
        raise tk.ValidationError({"end_date": [PERIOD_OVER + "，请退回申请人修改后再批准"]})
    if name == "submit":
        _submit(who, request, reason)
    else:
        _move(request, transition, who.user, transition.target or "", reason, "")
    return request


PERIOD_OVER = "申请的使用期限已经结束"


def _period_over(request: Request) -> bool:
    """Whether the requested period ended before today (Beijing): no grant could be issued."""
    return request.end_date < clock.now().date()


def _submit(who: Viewer, request: Request, reason: str) -> None:
    """Submission: the scenario's rules route the request; an automatic decision is recorded
    as the system's, naming the rule, after the requester's submission."""
    if request.commitment_at is None:
        if request.kind == Request.KIND_OPENING:
            raise tk.ValidationError({"agreement": [
                opening.NEEDS_AGREEMENT.format(opening.agreement()["title"])]})
        raise tk.ValidationError({"commitment": ["提交前请阅读并接受数据安全承诺"]})
    if _period_over(request):
        raise tk.ValidationError({"end_date": [PERIOD_OVER + "，请修改后再提交"]})
    request.submitted = _now()
    target, rule = route_at_submission(request)
    if target not in (APPROVED, REJECTED):
        _move(request, TRANSITIONS["submit"], who.user, target, reason, rule)
        return
    audit.append(action="request.submitted", object_type="request", object_id=request.id,
                 actor=who.user, provider_org_id=request.provider_org_id,
                 requester_org_id=request.requester_org_id,
                 detail={"number": request.number, "from": request.state, "to": target})
    _move(request, AUTOMATIC[target], None, target, "", rule)


def route_at_submission(request: Request) -> tuple[str, str]:
    """Where a submitted request goes, and the rule that sent it there (Chinese)."""
    if request.kind == Request.KIND_OPENING:
        refused = next(filter(None, (opening.refusal(entry) for entry in _entries(request))), None)
        return (REJECTED, refused) if refused else (REVIEWING, opening.RULE)
    asking = facts(request)
    refused = scenarios.refusal(asking)
    if refused:
        return REJECTED, refused
    scenario = model.Session.get(Scenario, request.scenario_id) if request.scenario_id else None
    if scenario is None:
        return CHECKING, "未选择应用场景，转数据主管部门符合性审核"
    reasons = scenarios.misfits(scenario, asking)
    if reasons:
        return CHECKING, "超出应用场景，转人工审核：" + "；".join(reasons)
    rule = scenarios.rule_text(scenario)
    target = {Scenario.ROUTE_AUTOMATIC: APPROVED, Scenario.ROUTE_PROVIDER: REVIEWING}.get(
        scenario.route, CHECKING)
    return target, f"符合{rule}（{scenarios.ROUTE_LABELS[scenario.route]}）"


def _entries(request: Request) -> list[dict]:
    """The entries a request asks for, as the catalog holds them now."""
    context = {"ignore_auth": True, "user": ""}
    return [tk.get_action("package_show")(dict(context), {"id": line.package_id})
            for line in request.items]


def facts(request: Request) -> scenarios.Asking:
    """The request's facts for the scenario rules, read from the catalog as it is now."""
    wanted = [scenarios.Wanted.of_entry(entry, line.items)
              for entry, line in zip(_entries(request), request.items)]
    org = model.Group.get(request.requester_org_id)
    extras = org.extras if org else {}
    return scenarios.Asking(
        org_id=request.requester_org_id, org_kind=extras.get("org_kind") or "",
        region_code=extras.get("region_code") or "",
        days=(request.end_date - request.start_date).days + 1, delivery=request.delivery,
        territory=request.territory, wanted=tuple(wanted))


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _move(request: Request, transition: Transition, actor: Optional[model.User], target: str,
          reason: str, rule: str) -> None:
    """Record the decision, change the state, and do what the new state entails."""
    source = request.state
    request.decisions.append(Decision(
        transition=transition.name, from_state=source, to_state=target,
        actor_user_id=actor.id if actor else None, reason=reason, rule=rule, created=_now()))
    request.state = target
    request.modified = _now()
    request.escalated_at = None
    _set_deadline(request)
    if target in CLOSED:
        request.closed = request.modified
    model.Session.flush()
    audit.append(action=transition.audit_action, object_type="request", object_id=request.id,
                 actor=actor, provider_org_id=request.provider_org_id,
                 requester_org_id=request.requester_org_id,
                 detail={"number": request.number, "from": source, "to": target,
                         "reason": reason, "rule": rule})
    if target == APPROVED:
        issue_grants(request, actor)
    _announce(request, source, transition.label, reason or rule)


def requester_text(request: Request) -> str:
    """Who asks: the requesting organization, or an opening request's applicant."""
    if request.kind == Request.KIND_OPENING:
        return opening.applicant_text(request.applicant or {})
    return notify.org_title(request.requester_org_id)


def _summary(request: Request) -> str:
    who = "申请人" if request.kind == Request.KIND_OPENING else "申请单位"
    return (f"{who}：{requester_text(request)}\n"
            f"提供部门：{notify.org_title(request.provider_org_id)}\n使用用途：{request.purpose}")


def _announce(request: Request, source: str, label: str, why: str) -> None:
    """Tell whoever must act next, the handlers of a withdrawn step, or the requester of a
    decision."""
    state, summary, name = request.state, _summary(request), KIND_LABELS[request.kind]
    due = f"，请于{clock.chinese_date(request.due_date)}前办理" if request.due_date else ""
    detail = "\n".join(part for part in (summary, why, request.due_note) if part)
    if state in (CHECKING, DISPUTED):
        kind = "异议" if state == DISPUTED else "待符合性审核"
        notify.tell(notify.authority_users(), request, f"【{kind}】{name} {request.number}{due}",
                    detail)
    elif state == REVIEWING:
        notify.tell(notify.provider_staff(request.provider_org_id), request,
                    f"【待审核】{name} {request.number}{due}", detail)
    elif state == WITHDRAWN and source in RUNNING:
        handlers = notify.provider_staff(request.provider_org_id) if source == REVIEWING \
            else notify.authority_users()
        notify.tell(handlers, request, f"{name} {request.number} 已由申请人撤回", summary)
    elif state in (APPROVED, REJECTED, RETURNED):
        requester = model.User.get(request.requester_user_id)
        notify.tell([requester] if requester else [], request,
                    f"{name} {request.number}：{label}", detail)


def _set_deadline(request: Request) -> None:
    """A step with a deadline starts now; other states have none."""
    if request.state == CHECKING or request.state == DISPUTED:
        days = config.sharing_check_days()
    elif request.state == REVIEWING and request.kind == Request.KIND_OPENING:
        days = config.opening_review_days()
    elif request.state == REVIEWING:
        days = config.sharing_review_days(published=all(
            model.Session.query(model.Resource.id).filter(
                model.Resource.package_id == line.package_id,
                model.Resource.state == model.State.ACTIVE).first() is not None
            for line in request.items))
    else:
        request.step_started, request.due_date, request.due_note = None, None, ""
        return
    deadline = workdays.add_working_days(request.modified, days)
    request.step_started, request.due_date, request.due_note = \
        request.modified, deadline.due, deadline.note()


def issue_grants(request: Request, actor: Optional[model.User]) -> list[Grant]:
    """One grant per entry asked for, to the requesting organization (to the applicant of an
    opening request), for its 信息项, its territory (the requester's county when asked for)
    and the requested period."""
    org = model.Group.get(request.requester_org_id) if request.requester_org_id else None
    region = (org.extras.get("region_code") or "") if org else ""
    to_applicant = request.kind == Request.KIND_OPENING
    start = datetime.datetime.combine(request.start_date, datetime.time(), clock.BEIJING)
    until = datetime.datetime.combine(request.end_date + datetime.timedelta(days=1),
                                      datetime.time(), clock.BEIJING)
    grants = []
    for line in request.items:
        grant = Grant(
            package_id=line.package_id, resource_id=line.resource_id,
            grantee_org_id=None if to_applicant else request.requester_org_id,
            grantee_user_id=request.requester_user_id if to_applicant else None, items=line.items,
            region_code=region if request.territory == Scenario.TERRITORY_OWN else None,
            valid_from=max(start, _now()), valid_until=until, request_id=request.id,
            purpose=request.purpose, source=f"{KIND_LABELS[request.kind]} {request.number}")
        model.Session.add(grant)
        grants.append(grant)
    model.Session.flush()
    for grant in grants:
        audit.append(action="grant.issued", object_type="grant", object_id=grant.id,
                     actor=actor, package_id=grant.package_id,
                     provider_org_id=request.provider_org_id,
                     requester_org_id=request.requester_org_id,
                     detail={"request": request.number, "items": grant.items,
                             "region_code": grant.region_code,
                             "valid_until": grant.valid_until.isoformat()})
    return grants


def revoke_grant(who: Viewer, grant_id: str, reason: str) -> Grant:
    """Revoke a grant (provider staff or the authority; the action's auth checked who)."""
    grant = model.Session.query(Grant).filter(Grant.id == grant_id).with_for_update().one_or_none()
    if grant is None:
        raise tk.ObjectNotFound("未找到该授权")
    if not (reason or "").strip():
        raise tk.ValidationError({"reason": ["撤销授权必须填写理由"]})
    if grant.state != Grant.STATE_ACTIVE:
        raise tk.ValidationError({"state": ["该授权已撤销"]})
    grant.state, grant.revoked_at = Grant.STATE_REVOKED, _now()
    grant.revoked_by, grant.revoke_reason = who.user_id, reason.strip()
    package = model.Package.get(grant.package_id)
    audit.append(action="grant.revoked", object_type="grant", object_id=grant.id,
                 actor=who.user, package_id=grant.package_id,
                 provider_org_id=package.owner_org if package else None,
                 requester_org_id=grant.grantee_org_id, detail={"reason": grant.revoke_reason})
    return grant


def next_number(kind: str = Request.KIND_SHARE) -> str:
    """The next request number of the day: GX (sharing) or KF (opening) + Beijing date +
    4-digit sequence."""
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('datong_request_number'))"))
    prefix = f"{NUMBER_PREFIXES[kind]}{clock.now():%Y%m%d}"
    last = model.Session.query(sa.func.max(Request.number)).filter(
        Request.number.like(f"{prefix}%")).scalar()
    return f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:04d}"


def running_opening(user_id: str, package_id: str, besides: str = "") -> Optional[Request]:
    """The user's opening request for the entry that is not closed yet (`besides`: but this
    one), if any: one application per entry runs at a time."""
    return model.Session.query(Request).join(RequestItem).filter(
        Request.kind == Request.KIND_OPENING, Request.requester_user_id == user_id,
        Request.state.notin_(CLOSED), RequestItem.package_id == package_id,
        Request.id != besides).order_by(Request.created.desc()).first()


def overdue(request: Request, today: Optional[datetime.date] = None) -> bool:
    """Whether the current step's deadline has passed (Beijing date)."""
    today = today or clock.now().date()
    return request.state in RUNNING and request.due_date is not None and today > request.due_date


def escalate_overdue(today: Optional[datetime.date] = None) -> list[Request]:
    """Flag overdue requests not yet escalated, tell the authority, and audit it."""
    today = today or clock.now().date()
    found = model.Session.query(Request).filter(
        Request.state.in_(RUNNING), Request.due_date < today,
        Request.escalated_at.is_(None)).with_for_update(skip_locked=True).all()
    for request in found:
        request.escalated_at = _now()
        audit.append(action="request.escalated", object_type="request", object_id=request.id,
                     provider_org_id=request.provider_org_id,
                     requester_org_id=request.requester_org_id,
                     detail={"number": request.number, "state": request.state,
                             "due": request.due_date.isoformat()})
        notify.tell(notify.authority_users(), request,
                    f"【超期督办】{KIND_LABELS[request.kind]} {request.number} 已超过办理期限"
                    f"（{clock.chinese_date(request.due_date)}）", _summary(request))
    return found


def record_expiries() -> list[Grant]:
    """Audit each grant whose period has ended since the last run (expiry itself is enforced
    at every access: Grant.in_force)."""
    from ckanext.datong.model import AuditEvent

    recorded = sa.select(AuditEvent.object_id).where(AuditEvent.action == "grant.expired")
    expired = model.Session.query(Grant).filter(
        Grant.state == Grant.STATE_ACTIVE, Grant.valid_until <= _now(),
        Grant.id.notin_(recorded)).all()
    for grant in expired:
        package = model.Package.get(grant.package_id)
        audit.append(action="grant.expired", object_type="grant", object_id=grant.id,
                     package_id=grant.package_id,
                     provider_org_id=package.owner_org if package else None,
                     requester_org_id=grant.grantee_org_id,
                     detail={"valid_until": grant.valid_until.isoformat()})
    return expired

