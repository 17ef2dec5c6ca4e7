"""Who is asking: a CKAN user with their organization memberships."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.datong import vocabulary


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The person asking: their account and organization memberships."""

    user: Optional[model.User] = None
    sysadmin: bool = False
    org_ids: frozenset[str] = frozenset()
    authority: bool = False

    @property
    def name(self) -> str:
        return self.user.name if self.user else ""

    @property
    def user_id(self) -> Optional[str]:
        return self.user.id if self.user else None

    @property
    def government(self) -> bool:
        """A member of any organization (municipal department, county, 经开区, authority)."""
        return bool(self.org_ids)


ANONYMOUS = Viewer()


def authority_kinds() -> frozenset[str]:
    """The organization kinds (vocabulary org_kinds) whose members are the data authority."""
    return frozenset(term.value for term in vocabulary.terms("org_kinds") if term.get("authority"))


def viewer(user: Any) -> Viewer:
    """The Viewer of a CKAN user object (anonymous for None, AnonymousUser or a deleted user)."""
    if not isinstance(user, model.User) or user.state == model.State.DELETED:
        return ANONYMOUS
    rows = (
        model.Session.query(model.Group.id, model.GroupExtra.value)
        .join(model.Member, model.Member.group_id == model.Group.id)
        .outerjoin(model.GroupExtra, sa.and_(
            model.GroupExtra.group_id == model.Group.id, model.GroupExtra.key == "org_kind",
            model.GroupExtra.state == model.State.ACTIVE))
        .filter(model.Member.table_name == "user", model.Member.table_id == user.id,
                model.Member.state == model.State.ACTIVE, model.Group.is_organization.is_(True),
                model.Group.state == model.State.ACTIVE)
        .all()
    )
    kinds = authority_kinds()
    return Viewer(user=user, sysadmin=bool(user.sysadmin),
                  org_ids=frozenset(row[0] for row in rows),
                  authority=any(row[1] in kinds for row in rows))


def viewer_from_context(context: Mapping[str, Any]) -> Viewer:
    """The Viewer an action context names (auth_user_obj, else the `user` name)."""
    user = context.get("auth_user_obj")
    if not isinstance(user, model.User):
        name = context.get("user")
        user = model.User.get(name) if name else None
    return viewer(user)


def current_viewer() -> Viewer:
    """The Viewer of the current web request; anonymous outside a request."""
    try:
        name = tk.current_user.name if tk.current_user.is_authenticated else ""
    except (RuntimeError, AttributeError):
        return ANONYMOUS
    return viewer(model.User.get(name) if name else None)
