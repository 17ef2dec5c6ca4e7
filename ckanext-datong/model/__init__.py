"""Tables of ckanext-datong (created only by the alembic migrations in migration/datong/)."""
from __future__ import annotations

from ckanext.datong.model.audit import AuditEvent
from ckanext.datong.model.grant import Grant
from ckanext.datong.model.popularity import Popularity, PopularityHit
from ckanext.datong.model.registration import Objection, Registration, RegistrationVersion
from ckanext.datong.model.sharing import Decision, Notice, Request, RequestItem, Scenario
from ckanext.datong.model.use_case import UseCase, UseCaseEntry

__all__ = ["AuditEvent", "Decision", "Grant", "Notice", "Objection", "Popularity", "PopularityHit",
           "Registration", "RegistrationVersion", "Request", "RequestItem", "Scenario", "UseCase", "UseCaseEntry"]
