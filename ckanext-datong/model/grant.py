"""Grants: permission for a user or an organization to download the files of one entry.

A grant is scoped by resource (none = every resource of the entry), by 信息项 (none = every
item), by territory (region code, none = every row) and by period, and can be revoked. The
sharing workflow issues them; ckanext.datong.access is the only reader.
"""
from __future__ import annotations

import datetime
from typing import Collection, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model import Session
from ckan.model.types import make_uuid
from sqlalchemy.dialects.postgresql import JSONB


class Grant(tk.BaseModel):
    __tablename__ = "datong_grant"

    STATE_ACTIVE = "active"
    STATE_REVOKED = "revoked"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    package_id = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    resource_id = sa.Column(sa.UnicodeText, sa.ForeignKey("resource.id", ondelete="CASCADE"))
    grantee_user_id = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"))
    grantee_org_id = sa.Column(sa.UnicodeText, sa.ForeignKey("group.id", ondelete="CASCADE"))
    items = sa.Column(JSONB(none_as_null=True))
    region_code = sa.Column(sa.UnicodeText)
    valid_from = sa.Column(sa.DateTime(timezone=True), nullable=False)
    valid_until = sa.Column(sa.DateTime(timezone=True), nullable=False)
    state = sa.Column(sa.UnicodeText, nullable=False, default=STATE_ACTIVE)
    created = sa.Column(sa.DateTime(timezone=True), nullable=False,
                        default=lambda: datetime.datetime.now(datetime.timezone.utc))
    source = sa.Column(sa.UnicodeText)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("datong_request.id", ondelete="SET NULL"),
                           index=True)
    purpose = sa.Column(sa.UnicodeText, nullable=False, default="")
    revoked_at = sa.Column(sa.DateTime(timezone=True))
    revoked_by = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"))
    revoke_reason = sa.Column(sa.UnicodeText, nullable=False, default="")

    __table_args__ = (
        sa.CheckConstraint("(grantee_user_id IS NULL) <> (grantee_org_id IS NULL)",
                           name="datong_grant_one_grantee"),
        sa.CheckConstraint("valid_until > valid_from", name="datong_grant_period"),
        sa.CheckConstraint("state IN ('active', 'revoked')", name="datong_grant_state"),
    )

    def __repr__(self) -> str:
        grantee = f"user {self.grantee_user_id}" if self.grantee_user_id else f"org {self.grantee_org_id}"
        return f"<Grant {self.id} {self.state} {self.package_id} → {grantee}>"

    @classmethod
    def in_force(
        cls, package_id: str, user_id: Optional[str], org_ids: Collection[str]
    ) -> list["Grant"]:
        """Active grants of `package_id` to the user or one of `org_ids`, inside their period now."""
        grantees = []
        if user_id:
            grantees.append(cls.grantee_user_id == user_id)
        if org_ids:
            grantees.append(cls.grantee_org_id.in_(list(org_ids)))
        if not grantees:
            return []
        now = sa.func.now()
        return (
            Session.query(cls)
            .filter(cls.package_id == package_id, cls.state == cls.STATE_ACTIVE,
                    cls.valid_from <= now, cls.valid_until > now, sa.or_(*grantees))
            .all()
        )

    def covers_file(self, resource_id: Optional[str]) -> bool:
        """Whether the grant covers the whole file of `resource_id` (None: every resource):
        every 信息项 and every territory, for that resource or all of them. A grant narrowed to
        some items or one territory needs filtered delivery, never the whole file."""
        if self.items is not None or self.region_code is not None:
            return False
        return self.resource_id is None or self.resource_id == resource_id
