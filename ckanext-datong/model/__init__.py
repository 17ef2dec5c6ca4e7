"""Tables of ckanext-datong (created only by the alembic migrations in migration/datong/)."""
from __future__ import annotations

from ckanext.datong.model.grant import Grant

__all__ = ["Grant"]
