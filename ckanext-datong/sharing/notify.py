"""Who hears of a request's progress: a notice in the in-portal inbox (written in the same
transaction as the change) and an e-mail through CKAN's mailer, sent only after that
transaction commits, so nobody is told of a change that was rolled back.

Mail uses CKAN's own SMTP settings (smtp.server, smtp.mail_from, …); a user without an
address, or a failing server, costs only the e-mail: the notice stays in the inbox.
"""
from __future__ import annotations

import logging
from typing import Iterable

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.lib import mailer

from ckanext.datong.access.identity import authority_kinds
from ckanext.datong.model import Notice, Request

log = logging.getLogger(__name__)

PENDING = "datong_pending_mail"
"""Key in the session's info dict: (name, address, subject, body) to mail after the commit
(the session may not query then)."""


def link(request: Request) -> str:
    return f"{tk.config.get('ckan.site_url', '').rstrip('/')}/sharing/{request.id}"


def org_title(org_id: str) -> str:
    org = model.Group.get(org_id)
    return org.title if org else ""


def tell(users: Iterable[model.User], request: Request, subject: str, body: str) -> None:
    """A notice for each user, and an e-mail for each after the commit."""
    body = f"{body}\n\n查看申请：{link(request)}"
    pending = model.Session.info.setdefault(PENDING, [])
    for user in {user.id: user for user in users}.values():
        model.Session.add(Notice(user_id=user.id, request_id=request.id, subject=subject,
                                 body=body))
        if user.email:
            pending.append((user.display_name, user.email, subject, body))


def _members() -> sa.orm.Query:
    return model.Session.query(model.User).join(model.Member, sa.and_(
        model.Member.table_id == model.User.id, model.Member.table_name == "user",
        model.Member.state == model.State.ACTIVE)).filter(model.User.state == model.State.ACTIVE)


def authority_users() -> list[model.User]:
    """Active members of the data authority's organizations."""
    return _members().join(model.GroupExtra, sa.and_(
        model.GroupExtra.group_id == model.Member.group_id, model.GroupExtra.key == "org_kind",
        model.GroupExtra.state == model.State.ACTIVE)).filter(
        model.GroupExtra.value.in_(list(authority_kinds()))).distinct().all()


def provider_staff(org_id: str) -> list[model.User]:
    """Active editors and admins of the providing department."""
    return _members().filter(model.Member.group_id == org_id,
                             model.Member.capacity.in_(["admin", "editor"])).distinct().all()


def unread(user_id: str) -> int:
    """Unread notices in the user's inbox."""
    return model.Session.query(sa.func.count(Notice.id)).filter(
        Notice.user_id == user_id, Notice.read_at.is_(None)).scalar() or 0


def _send_pending(session: sa.orm.Session) -> None:
    for name, address, subject, body in session.info.pop(PENDING, []):
        try:
            mailer.mail_recipient(name, address, subject, body)
        except (mailer.MailerException, OSError) as error:
            log.warning("sharing mail to %s not sent: %s", address, error)


def _drop_pending(session: sa.orm.Session, previous_transaction: object) -> None:
    session.info.pop(PENDING, None)


def install() -> None:
    """Send queued mail after each commit and drop it after a rollback (once per process)."""
    if not sa.event.contains(model.Session, "after_commit", _send_pending):
        sa.event.listen(model.Session, "after_commit", _send_pending)
        sa.event.listen(model.Session, "after_soft_rollback", _drop_pending)
