"""Use cases (典型案例): how the city's data is used, kept by the data authority and counted
against the plan's target per industry domain (ckanext.datong.dashboards.targets)."""
from __future__ import annotations

import datetime

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model.types import make_uuid


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class UseCase(tk.BaseModel):
    """One use case: what was done with which entries, in which 行业领域, by whom."""

    __tablename__ = "datong_use_case"

    STATE_ACTIVE = "active"
    STATE_DELETED = "deleted"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    title = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    summary = sa.Column(sa.UnicodeText, nullable=False, default="")
    domain = sa.Column(sa.UnicodeText, nullable=False)
    organization_id = sa.Column(sa.UnicodeText, sa.ForeignKey("group.id", ondelete="SET NULL"))
    link_url = sa.Column(sa.UnicodeText, nullable=False, default="")
    published = sa.Column(sa.Date)
    state = sa.Column(sa.UnicodeText, nullable=False, default=STATE_ACTIVE)
    creator_user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL"))
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    modified = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)

    entries = sa.orm.relationship("UseCaseEntry", order_by="UseCaseEntry.position",
                                  cascade="all, delete-orphan", lazy="selectin")


class UseCaseEntry(tk.BaseModel):
    """A catalog entry a use case uses."""

    __tablename__ = "datong_use_case_entry"

    use_case_id = sa.Column(sa.UnicodeText, sa.ForeignKey("datong_use_case.id", ondelete="CASCADE"),
                            primary_key=True)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           primary_key=True)
    position = sa.Column(sa.Integer, nullable=False)
