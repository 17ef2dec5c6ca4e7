"""The sharing workflow's tables: scenarios (应用场景), requests (共享申请) with the entries and
信息项 they ask for, decisions, and the in-portal inbox. States change only through
ckanext.datong.sharing.workflow."""
from __future__ import annotations

import datetime

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model.types import make_uuid
from sqlalchemy.dialects.postgresql import JSONB


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Scenario(tk.BaseModel):
    """An application scenario kept by the data authority: who may use it, for which entries
    and 信息项, up to which grade, period and delivery methods, with which territory rule, and
    by which route a fitting request is decided."""

    __tablename__ = "datong_scenario"

    ROUTE_AUTOMATIC = "automatic"
    ROUTE_PROVIDER = "provider"
    ROUTE_PROVIDER_AUTHORITY = "provider_authority"
    ROUTES = (ROUTE_AUTOMATIC, ROUTE_PROVIDER, ROUTE_PROVIDER_AUTHORITY)
    TERRITORY_ANY = "any"
    TERRITORY_OWN = "own"
    TERRITORIES = (TERRITORY_ANY, TERRITORY_OWN)
    STATE_ACTIVE = "active"
    STATE_RETIRED = "retired"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    name = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    description = sa.Column(sa.UnicodeText, nullable=False, default="")
    legal_basis = sa.Column(sa.UnicodeText, nullable=False)
    requester_kinds = sa.Column(JSONB, nullable=False, default=list)
    requester_org_ids = sa.Column(JSONB, nullable=False, default=list)
    coverage = sa.Column(JSONB, nullable=False, default=list)
    """[{"package_id": …, "items": [names] or null for every 信息项}]"""
    max_grade = sa.Column(sa.UnicodeText, nullable=False)
    max_days = sa.Column(sa.Integer, nullable=False)
    delivery_methods = sa.Column(JSONB, nullable=False, default=list)
    territory = sa.Column(sa.UnicodeText, nullable=False, default=TERRITORY_ANY)
    route = sa.Column(sa.UnicodeText, nullable=False)
    state = sa.Column(sa.UnicodeText, nullable=False, default=STATE_ACTIVE)
    creator_user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"))
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    modified = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)


class Request(tk.BaseModel):
    """A request for entries of one provider: a sharing request (共享申请) of one
    organization, or an application for conditionally open data (有条件开放申请) of a citizen or
    a company, who has no organization and states who they are in `applicant`."""

    __tablename__ = "datong_request"

    KIND_SHARE = "share"
    KIND_OPENING = "opening"
    KINDS = (KIND_SHARE, KIND_OPENING)

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    number = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    kind = sa.Column(sa.UnicodeText, nullable=False, default=KIND_SHARE)
    state = sa.Column(sa.UnicodeText, nullable=False)
    requester_user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False)
    requester_org_id = sa.Column(sa.UnicodeText, sa.ForeignKey("group.id"))
    """None for an opening request."""
    applicant = sa.Column(JSONB, nullable=False, default=dict)
    """An opening request's applicant: {"kind": "person" | "company", "name": …, "uscc": …}."""
    provider_org_id = sa.Column(sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False)
    scenario_id = sa.Column(sa.UnicodeText, sa.ForeignKey("datong_scenario.id"))
    purpose = sa.Column(sa.UnicodeText, nullable=False, default="")
    basis = sa.Column(sa.UnicodeText, nullable=False, default="")
    start_date = sa.Column(sa.Date, nullable=False)
    end_date = sa.Column(sa.Date, nullable=False)
    frequency = sa.Column(sa.UnicodeText, nullable=False, default="")
    delivery = sa.Column(sa.UnicodeText, nullable=False, default="")
    territory = sa.Column(sa.UnicodeText, nullable=False, default=Scenario.TERRITORY_ANY)
    contact_name = sa.Column(sa.UnicodeText, nullable=False, default="")
    contact_phone = sa.Column(sa.UnicodeText, nullable=False, default="")
    commitment_at = sa.Column(sa.DateTime(timezone=True))
    attachments = sa.Column(JSONB, nullable=False, default=list)
    step_started = sa.Column(sa.DateTime(timezone=True))
    due_date = sa.Column(sa.Date)
    due_note = sa.Column(sa.UnicodeText, nullable=False, default="")
    escalated_at = sa.Column(sa.DateTime(timezone=True))
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    modified = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    submitted = sa.Column(sa.DateTime(timezone=True))
    closed = sa.Column(sa.DateTime(timezone=True))

    items = sa.orm.relationship("RequestItem", order_by="RequestItem.position",
                                cascade="all, delete-orphan", lazy="selectin")
    decisions = sa.orm.relationship("Decision", order_by="Decision.created",
                                    cascade="all, delete-orphan", lazy="selectin")


class RequestItem(tk.BaseModel):
    """One entry a request asks for: all its files or one, every 信息项 or some."""

    __tablename__ = "datong_request_item"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("datong_request.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    position = sa.Column(sa.Integer, nullable=False)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    resource_id = sa.Column(sa.UnicodeText, sa.ForeignKey("resource.id", ondelete="CASCADE"))
    items = sa.Column(JSONB(none_as_null=True))


class Decision(tk.BaseModel):
    """Who decided which step of a request, how and why (the rule, when automatic)."""

    __tablename__ = "datong_decision"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("datong_request.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    transition = sa.Column(sa.UnicodeText, nullable=False)
    from_state = sa.Column(sa.UnicodeText, nullable=False)
    to_state = sa.Column(sa.UnicodeText, nullable=False)
    actor_user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"))
    reason = sa.Column(sa.UnicodeText, nullable=False, default="")
    rule = sa.Column(sa.UnicodeText, nullable=False, default="")
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)


class Notice(tk.BaseModel):
    """A message in a user's in-portal inbox (also sent by e-mail when the user has one)."""

    __tablename__ = "datong_notice"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("datong_request.id", ondelete="CASCADE"))
    subject = sa.Column(sa.UnicodeText, nullable=False)
    body = sa.Column(sa.UnicodeText, nullable=False, default="")
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    read_at = sa.Column(sa.DateTime(timezone=True))
