"""The registration state machine (数据资产登记): the allowed transitions as data, and `apply`,
the one function that changes a record's state or content — under a row lock, with its
chain row (chain.append) and its audit event (sharing.audit.append) in the same transaction.

首次登记: applied (申请) → accepted (受理) or refused (不予受理) → 形式审核: notice (公示,
an objection period of ckanext.datong.registration.notice_days working days), returned (退回
补正, the applicant corrects and resubmits) or refused → during the notice anybody signed in
files objections (异议), the authority upholds one (refused) or dismisses it → issued (赋码,
by the authority once the period has ended with no open objection; the refusals are checked
again then, and a record that meets one is refused instead).
变更/更正/注销 of an issued record: the holder files it (changing), the authority approves (a
new content version, or cancelled for 注销) or rejects it (issued, unchanged).

Every transition appends one chain row holding the record's state and full content after it,
so every state change and every content change is covered by the registry chain; `version`
counts the content versions (1 for the 首次 application, +1 for each approved 变更/更正 and
for 注销).
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.datong import clock, config, vocabulary
from ckanext.datong.access.identity import Viewer, viewer
from ckanext.datong.model import Objection, Registration, Request, RequestItem
from ckanext.datong.registration import chain
from ckanext.datong.sharing import audit, workdays
from ckanext.datong.sharing import workflow as sharing_workflow

APPLIED, ACCEPTED, RETURNED, NOTICE = "applied", "accepted", "returned", "notice"
ISSUED, REFUSED, CHANGING, CANCELLED = "issued", "refused", "changing", "cancelled"
STATE_LABELS = {
    APPLIED: "待受理", ACCEPTED: "形式审核中", RETURNED: "退回补正", NOTICE: "公示中",
    ISSUED: "已赋码", REFUSED: "不予登记", CHANGING: "变更审核中", CANCELLED: "已注销",
}
PUBLIC_STATES = (NOTICE, ISSUED, CHANGING, CANCELLED)
"""States whose records anybody may see (the notice and the register are public)."""
RUNNING = (APPLIED, ACCEPTED, RETURNED, NOTICE, ISSUED, CHANGING)
"""States in which a record holds its entry: no second 首次 registration of it."""

INITIAL, CHANGE, CORRECTION, CANCELLATION = "initial", "change", "correction", "cancellation"
TYPE_LABELS = {INITIAL: "首次登记", CHANGE: "变更登记", CORRECTION: "更正登记",
               CANCELLATION: "注销登记"}
OBJECTS = ("数据资源", "数据产品")

APPLICANT, AUTHORITY, ANYONE, SYSTEM = "applicant", "authority", "anyone", "system"
SYSTEM_ACTOR = "系统自动"
CODE_PREFIX = "DTZC"
NUMBER_PREFIX = "DJ"


@dataclasses.dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    role: str
    target: str
    reason_required: bool
    label: str


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("apply", (), APPLICANT, APPLIED, False, "提交登记申请"),
    Transition("resubmit", (RETURNED,), APPLICANT, APPLIED, False, "补正后重新提交"),
    Transition("accept", (APPLIED,), AUTHORITY, ACCEPTED, False, "受理"),
    Transition("not_accept", (APPLIED,), AUTHORITY, REFUSED, True, "不予受理"),
    Transition("review_pass", (ACCEPTED,), AUTHORITY, NOTICE, False, "形式审核通过，进入公示"),
    Transition("review_return", (ACCEPTED,), AUTHORITY, RETURNED, True, "退回补正"),
    Transition("review_refuse", (ACCEPTED,), AUTHORITY, REFUSED, True, "不予登记"),
    Transition("object", (NOTICE,), ANYONE, NOTICE, True, "提出异议"),
    Transition("uphold", (NOTICE,), AUTHORITY, REFUSED, True, "异议成立，不予登记"),
    Transition("dismiss", (NOTICE,), AUTHORITY, NOTICE, True, "异议不成立"),
    Transition("issue", (NOTICE,), AUTHORITY, ISSUED, False, "赋码"),
    Transition("issue_refused", (NOTICE,), SYSTEM, REFUSED, False, "赋码时复核不通过，不予登记"),
    Transition("file_change", (ISSUED,), APPLICANT, CHANGING, True, "申请变更、更正或注销"),
    Transition("change_approve", (CHANGING,), AUTHORITY, ISSUED, False, "审核通过"),
    Transition("change_reject", (CHANGING,), AUTHORITY, ISSUED, True, "不予变更"),
)}
OUTCOMES: dict[str, dict[str, str]] = {
    "datong_registration_accept": {"accept": "accept", "refuse": "not_accept"},
    "datong_registration_review": {"pass": "review_pass", "return": "review_return",
                                   "refuse": "review_refuse"},
    "datong_registration_settle": {"uphold": "uphold", "dismiss": "dismiss"},
    "datong_registration_change_review": {"approve": "change_approve", "reject": "change_reject"},
}
"""The authority's deciding actions: each `outcome` and the transition it applies."""

CONTENT_FIELDS = ("object", "name", "summary", "source_basis", "holder_resource",
                  "holder_processing", "holder_operation", "scale", "data_format",
                  "valid_from", "valid_until")
"""What the applicant writes; the content adds the linked entry's facts (entry_facts)."""

NOT_FOUND = "未找到该登记"
NO_ENTRY = "未找到该数据目录"
CORE = "「{}」为核心数据，核心数据不予登记"
DISPUTED = "「{}」有共享争议（申请{}）正由数据主管部门协调处理，争议解决前不予登记"
OBJECTED = "「{}」的另一项登记（{}）有尚未处理的异议，异议处理完毕前不予登记"
NOT_HOLDER = "只有持有该数据的部门（数据目录所属部门的编辑或管理员）可以申请登记"
REGISTERED = "「{}」已有登记（{}），不能重复进行首次登记，请办理变更或更正登记"
PERIOD_RUNNING = "公示期至{}，公示期满后方可赋码"
OPEN_OBJECTIONS = "尚有未处理的异议，处理完毕后方可赋码"


# ------------------------------------------------------------------------------ who, what

def is_holder(who: Viewer, record_org_id: str) -> bool:
    """An editor or admin of the organization that owns the linked entry."""
    return sharing_workflow.is_provider_staff(who, record_org_id)


def may_see(who: Viewer, record: Registration) -> bool:
    """Records in public notice or on the register: everybody; others: the holder's members,
    the applicant, the authority and sysadmins."""
    if record.state in PUBLIC_STATES:
        return True
    return who.user is not None and (
        who.sysadmin or who.authority or who.user_id == record.applicant_user_id
        or record.org_id in who.org_ids)


def refusal(who: Viewer, record: Registration, name: str) -> Optional[str]:
    """Why `who` may not apply transition `name` to `record` (Chinese); None when they may.
    Nobody reviews their own application; sysadmins may act as the authority."""
    transition = TRANSITIONS.get(name)
    if transition is None or transition.role == SYSTEM:
        return "未知的操作"
    if who.user is None:
        return "请先登录"
    if transition.role == ANYONE:
        return "申请人不能对本单位的登记提出异议" if record.org_id in who.org_ids else None
    if transition.role == APPLICANT:
        return None if is_holder(who, record.org_id) else NOT_HOLDER
    if who.user_id == record.applicant_user_id:
        return "不能审核本人提交的登记申请"
    return None if who.authority or who.sysadmin else "只有数据主管部门可以执行此操作"


def steps(who: Viewer, record: Registration) -> list[str]:
    """The transitions `who` may apply to `record` now (the system's never)."""
    return [name for name, t in TRANSITIONS.items()
            if record.state in t.sources and refusal(who, record, name) is None]


# ------------------------------------------------------------------------------ refusals

def entry_of(package_id: str) -> Optional[dict[str, Any]]:
    """The linked entry as the catalog's database holds it now (None when gone)."""
    try:
        entry = tk.get_action("package_show")(
            {"ignore_auth": True, "user": "", "use_cache": False}, {"id": package_id})
    except tk.ObjectNotFound:
        return None
    return entry if entry.get("state") == "active" else None


def _core(entry: dict[str, Any]) -> bool:
    grades = [entry.get("data_grade")] + [item.get("item_grade")
                                          for item in entry.get("items") or []]
    uncatalogued = {term.value for term in vocabulary.terms("grades")
                    if term.extra.get("catalogued") is False}
    return any(grade in uncatalogued for grade in grades)


def dispute(package_id: str, besides: str = "") -> Optional[str]:
    """What puts the entry under dispute, or None: a sharing request for it in dispute
    (申请人对驳回提出异议, being coordinated by the authority), or an open objection to another
    registration of it."""
    title = _title(package_id)
    disputed = model.Session.query(Request.number).join(RequestItem).filter(
        RequestItem.package_id == package_id,
        Request.state == sharing_workflow.DISPUTED).first()
    if disputed:
        return DISPUTED.format(title, disputed.number)
    objected = model.Session.query(Registration).join(Objection).filter(
        Registration.package_id == package_id, Registration.id != besides,
        Objection.state == Objection.OPEN).first()
    if objected:
        return OBJECTED.format(title, objected.code or objected.number)
    return None


def _title(package_id: str) -> str:
    package = model.Package.get(package_id)
    return package.title if package else package_id


def entry_refusal(who: Viewer, entry: Optional[dict[str, Any]], besides: str = "") -> Optional[str]:
    """Why the entry may not be registered by `who` (Chinese), or None: gone, not held by
    them, 核心 data, under dispute, or registered already (another running record)."""
    if entry is None:
        return NO_ENTRY
    title = entry.get("title") or entry["name"]
    if not is_holder(who, entry["owner_org"]):
        return NOT_HOLDER
    if _core(entry):
        return CORE.format(title)
    disputed = dispute(entry["id"], besides)
    if disputed:
        return disputed
    other = model.Session.query(Registration).filter(
        Registration.package_id == entry["id"], Registration.state.in_(RUNNING),
        Registration.id != besides).first()
    if other is not None:
        return REGISTERED.format(title, other.code or other.number)
    return None


def entry_facts(entry: dict[str, Any]) -> dict[str, Any]:
    """What the content records of the linked entry: its id, 信息资源代码, grade and owner."""
    org = model.Group.get(entry["owner_org"])
    return {"package_id": entry["id"], "catalog_code": entry.get("resource_code") or "",
            "grade": entry.get("data_grade") or "", "org_id": entry["owner_org"],
            "org_title": org.title if org else ""}


# ------------------------------------------------------------------------------ applying

def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def find(key: str) -> Optional[Registration]:
    """A record by its id, application number or 登记编号."""
    key = (key or "").strip()
    if not key:
        return None
    return model.Session.query(Registration).filter(sa.or_(
        Registration.id == key, Registration.number == key, Registration.code == key)).first()


def locked(registration_id: str) -> Registration:
    record = model.Session.query(Registration).filter(Registration.id == registration_id) \
        .populate_existing().with_for_update().one_or_none()
    if record is None:
        raise tk.ObjectNotFound(NOT_FOUND)
    return record


def _record(record: Registration, name: str, actor: Optional[model.User], reason: str,
            source: str) -> None:
    """The chain row and the audit event of a transition just applied."""
    record.modified = _now()
    model.Session.flush()
    row = chain.append(record, name, actor.name if actor else SYSTEM_ACTOR, reason)
    audit.append(action=f"registration.{name}", object_type="registration", object_id=record.id,
                 actor=actor, package_id=record.package_id, provider_org_id=record.org_id,
                 detail={"number": record.number, "code": record.code or "", "from": source,
                         "to": record.state, "reason": reason, "version": record.version,
                         "hash": row.hash})


def create(who: Viewer, package_id: str, fields: dict[str, Any]) -> Registration:
    """A 首次 application for the entry, as `who` (authorized: signed in, government)."""
    entry = entry_of(package_id)
    refused = entry_refusal(who, entry)
    if refused:
        raise tk.ValidationError({"package_id": [refused]})
    record = Registration(number=next_number(), state=APPLIED, reg_type=INITIAL,
                          package_id=entry["id"], org_id=entry["owner_org"],
                          applicant_user_id=who.user_id, version=1,
                          content={**_fields(fields), **entry_facts(entry)})
    model.Session.add(record)
    _record(record, "apply", who.user, "", "")
    return record


def resubmit(who: Viewer, registration_id: str, fields: dict[str, Any]) -> Registration:
    """The applicant's corrected application after a return (退回补正)."""
    record = locked(registration_id)
    _check(who, record, "resubmit", "")
    entry = entry_of(record.package_id)
    refused = entry_refusal(who, entry, besides=record.id)
    if refused:
        raise tk.ValidationError({"package_id": [refused]})
    source = record.state
    record.content = {**_fields(fields), **entry_facts(entry)}
    record.state = APPLIED
    _record(record, "resubmit", who.user, "", source)
    return record


def file_change(who: Viewer, registration_id: str, reg_type: str, reason: str,
                fields: Optional[dict[str, Any]]) -> Registration:
    """The holder files a 变更/更正 (with the new content) or a 注销 of an issued record."""
    record = locked(registration_id)
    _check(who, record, "file_change", reason)
    if reg_type not in (CHANGE, CORRECTION, CANCELLATION):
        raise tk.ValidationError({"reg_type": ["请选择变更、更正或注销"]})
    content = dict(record.content)
    if reg_type != CANCELLATION:
        if fields is None:
            raise tk.ValidationError({"name": ["请填写变更或更正后的登记内容"]})
        entry = entry_of(record.package_id)
        if entry is None:
            raise tk.ValidationError({"package_id": [NO_ENTRY]})
        content = {**_fields(fields), **entry_facts(entry)}
        if content == record.content:
            raise tk.ValidationError({"name": ["登记内容没有变化"]})
    source = record.state
    record.pending = {"reg_type": reg_type, "content": content}
    record.state = CHANGING
    _record(record, "file_change", who.user, f"{TYPE_LABELS[reg_type]}：{reason.strip()}", source)
    return record


def apply(who: Viewer, registration_id: str, name: str, reason: str = "",
          objection_id: str = "") -> Registration:
    """Apply a deciding transition (or an objection) to the record, as `who` (authorized by
    the action's auth function). Raises tk.ObjectNotFound or tk.ValidationError (Chinese).
    Does not commit."""
    record = locked(registration_id)
    reason = (reason or "").strip()
    _check(who, record, name, reason)
    source = record.state
    transition = TRANSITIONS[name]
    if name == "object":
        record.objections.append(Objection(user_id=who.user_id, reason=reason))
    elif name in ("uphold", "dismiss"):
        objection = next((o for o in record.objections
                          if o.id == objection_id and o.state == Objection.OPEN), None)
        if objection is None:
            raise tk.ValidationError({"objection_id": ["未找到该异议，或该异议已处理"]})
        objection.state = Objection.UPHELD if name == "uphold" else Objection.DISMISSED
        objection.settled_by, objection.settle_reason = who.user_id, reason
        objection.settled = _now()
    elif name == "issue":
        return _issue(who, record, source)
    elif name == "change_approve":
        _approve_change(record)
    if name == "review_pass":
        _start_notice(record)
    if name in ("change_approve", "change_reject"):
        record.pending = None
    if name != "change_approve":
        record.state = transition.target
    _record(record, name, who.user, reason, source)
    return record


def _check(who: Viewer, record: Registration, name: str, reason: str) -> None:
    transition = TRANSITIONS[name]
    if record.state not in transition.sources:
        raise tk.ValidationError({"state": [
            f"该登记当前为“{STATE_LABELS[record.state]}”，不能{transition.label}"]})
    if transition.reason_required and not (reason or "").strip():
        raise tk.ValidationError({"reason": [f"{transition.label}必须填写理由"]})
    refused = refusal(who, record, name)
    if refused:
        raise tk.NotAuthorized(refused)


def _start_notice(record: Registration) -> None:
    deadline = workdays.add_working_days(_now(), config.registration_notice_days())
    record.notice_start, record.notice_until = clock.now().date(), deadline.due
    record.notice_note = deadline.note()


def notice_over(record: Registration, today: Optional[datetime.date] = None) -> bool:
    """Whether the objection period has ended (the deadline day itself is still in it)."""
    today = today or clock.now().date()
    return record.notice_until is not None and today > record.notice_until


def _issue(who: Viewer, record: Registration, source: str) -> Registration:
    """赋码 once the period is over with no open objection; the refusals are checked again
    (as the holder's staff at the time of application: the applicant must still hold it)."""
    if not notice_over(record):
        raise tk.ValidationError({"state": [PERIOD_RUNNING.format(
            clock.chinese_date(record.notice_until))]})
    if any(o.state == Objection.OPEN for o in record.objections):
        raise tk.ValidationError({"state": [OPEN_OBJECTIONS]})
    applicant = model.User.get(record.applicant_user_id)
    refused = entry_refusal(viewer(applicant), entry_of(record.package_id), besides=record.id)
    if refused:
        record.state = REFUSED
        _record(record, "issue_refused", who.user, refused, source)
        return record
    record.code, record.state, record.issued = next_code(), ISSUED, _now()
    _record(record, "issue", who.user, "", source)
    return record


def _approve_change(record: Registration) -> None:
    pending = record.pending or {}
    record.reg_type = pending["reg_type"]
    record.content = pending["content"]
    record.version += 1
    record.state = CANCELLED if record.reg_type == CANCELLATION else ISSUED


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    """The applicant's fields as content: text, dates as ISO text."""
    return {key: (data[key].isoformat() if isinstance(data.get(key), datetime.date)
                  else str(data.get(key) or "").strip()) for key in CONTENT_FIELDS}


def next_number() -> str:
    """The next application number of the day: DJ + Beijing date + 4-digit sequence."""
    model.Session.execute(sa.text(
        "SELECT pg_advisory_xact_lock(hashtext('datong_registration_number'))"))
    prefix = f"{NUMBER_PREFIX}{clock.now():%Y%m%d}"
    last = model.Session.query(sa.func.max(Registration.number)).filter(
        Registration.number.like(f"{prefix}%")).scalar()
    return f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:04d}"


def next_code() -> str:
    """The next 登记编号: DTZC-<Beijing year of 赋码>-<6-digit sequence within the year>."""
    model.Session.execute(sa.text(
        "SELECT pg_advisory_xact_lock(hashtext('datong_registration_code'))"))
    prefix = f"{CODE_PREFIX}-{clock.now():%Y}-"
    last = model.Session.query(sa.func.max(Registration.code)).filter(
        Registration.code.like(f"{prefix}%")).scalar()
    return f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:06d}"
