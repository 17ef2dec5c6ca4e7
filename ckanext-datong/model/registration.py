"""Data asset registration (数据资产登记): the record, its chained versions and the objections
filed during its public notice. States change only through
ckanext.datong.registration.workflow; versions are appended only by
ckanext.datong.registration.chain."""
from __future__ import annotations

import datetime

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model.types import make_uuid
from sqlalchemy import orm
from sqlalchemy.dialects.postgresql import JSONB


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Registration(tk.BaseModel):
    """A registration record: application number until 赋码, then its 登记编号 (`code`); the
    current content (`content`, the fields the applicant filed) and a 变更/更正/注销 under
    review (`pending`: {"reg_type": …, "content": …})."""

    __tablename__ = "datong_registration"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    number = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    code = sa.Column(sa.UnicodeText, unique=True)
    state = sa.Column(sa.UnicodeText, nullable=False)
    reg_type = sa.Column(sa.UnicodeText, nullable=False)
    package_id = sa.Column(sa.UnicodeText, nullable=False)
    org_id = sa.Column(sa.UnicodeText, nullable=False)
    applicant_user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False)
    content = sa.Column(JSONB, nullable=False)
    version = sa.Column(sa.Integer, nullable=False, default=1)
    pending = sa.Column(JSONB)
    notice_start = sa.Column(sa.Date)
    notice_until = sa.Column(sa.Date)
    notice_note = sa.Column(sa.UnicodeText, nullable=False, default="")
    issued = sa.Column(sa.DateTime(timezone=True))
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    modified = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)

    objections = orm.relationship("Objection", order_by="Objection.created",
                                  cascade="all, delete-orphan")


class RegistrationVersion(tk.BaseModel):
    """One immutable link of the registry chain: the record's state and content after one
    event, hashed with the record's previous link and the registry's previous link."""

    __tablename__ = "datong_registration_version"

    seq = sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    registration_id = sa.Column(sa.UnicodeText, nullable=False)
    record_seq = sa.Column(sa.Integer, nullable=False)
    version = sa.Column(sa.Integer, nullable=False)
    reg_type = sa.Column(sa.UnicodeText, nullable=False)
    event = sa.Column(sa.UnicodeText, nullable=False)
    state = sa.Column(sa.UnicodeText, nullable=False)
    code = sa.Column(sa.UnicodeText)
    content = sa.Column(JSONB, nullable=False)
    actor_name = sa.Column(sa.UnicodeText, nullable=False, default="")
    reason = sa.Column(sa.UnicodeText, nullable=False, default="")
    occurred = sa.Column(sa.DateTime(timezone=True), nullable=False)
    prev_record_hash = sa.Column(sa.UnicodeText, nullable=False)
    prev_registry_hash = sa.Column(sa.UnicodeText, nullable=False)
    hash = sa.Column(sa.UnicodeText, nullable=False, unique=True)


class Objection(tk.BaseModel):
    """An objection (异议) to a registration in public notice, and how the authority settled it."""

    __tablename__ = "datong_registration_objection"

    OPEN, UPHELD, DISMISSED = "open", "upheld", "dismissed"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    registration_id = sa.Column(sa.UnicodeText, sa.ForeignKey("datong_registration.id"),
                                nullable=False)
    user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False)
    reason = sa.Column(sa.UnicodeText, nullable=False)
    state = sa.Column(sa.UnicodeText, nullable=False, default=OPEN)
    settled_by = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"))
    settle_reason = sa.Column(sa.UnicodeText, nullable=False, default="")
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    settled = sa.Column(sa.DateTime(timezone=True))
