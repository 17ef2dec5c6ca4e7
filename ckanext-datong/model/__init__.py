"""Tables of ckanext-datong (created only by the alembic migrations in migration/datong/)."""
from __future__ import annotations

from ckanext.datong.model.audit import AuditEvent
from ckanext.datong.model.grant import Grant
from ckanext.datong.model.popularity import Popularity, PopularityHit
from ckanext.datong.model.sharing import Decision, Notice, Request, RequestItem, Scenario

__all__ = ["AuditEvent", "Decision", "Grant", "Notice", "Popularity", "PopularityHit", "Request",
           "RequestItem", "Scenario"]
