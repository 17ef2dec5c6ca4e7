"""Audit events: the append-only log of sharing-request state changes and grant uses, each
chained to the one before by an SM3 hash. Written only by ckanext.datong.sharing.audit.append;
no foreign keys, so that the log outlives the users, entries and organizations it names."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


class AuditEvent(tk.BaseModel):
    __tablename__ = "datong_audit_event"

    seq = sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    occurred = sa.Column(sa.DateTime(timezone=True), nullable=False)
    actor_user_id = sa.Column(sa.UnicodeText)
    actor_name = sa.Column(sa.UnicodeText, nullable=False, default="")
    action = sa.Column(sa.UnicodeText, nullable=False)
    object_type = sa.Column(sa.UnicodeText, nullable=False)
    object_id = sa.Column(sa.UnicodeText, nullable=False)
    package_id = sa.Column(sa.UnicodeText)
    provider_org_id = sa.Column(sa.UnicodeText)
    requester_org_id = sa.Column(sa.UnicodeText)
    row_count = sa.Column(sa.Integer)
    detail = sa.Column(JSONB, nullable=False, default=dict)
    prev_hash = sa.Column(sa.UnicodeText, nullable=False)
    hash = sa.Column(sa.UnicodeText, nullable=False, unique=True)

    __table_args__ = (
        sa.CheckConstraint("seq > 0", name="datong_audit_event_seq"),
        sa.Index("ix_datong_audit_event_package_id", "package_id", "seq"),
        sa.Index("ix_datong_audit_event_provider_org_id", "provider_org_id", "seq"),
        sa.Index("ix_datong_audit_event_requester_org_id", "requester_org_id", "seq"),
        sa.Index("ix_datong_audit_event_object_id", "object_id", "seq"),
        sa.Index("ix_datong_audit_event_occurred", "occurred"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action} {self.object_type} {self.object_id}>"
