"""Transaction-scoped PostgreSQL advisory locks: concurrent writers that would pick the same
generated value (a URL name, a resource-code sequence) take turns until the first commits."""
from __future__ import annotations

import zlib

import sqlalchemy as sa

import ckan.model as model


def transaction_lock(key: str) -> None:
    """Wait for, then hold until the end of the current transaction, the lock named `key`."""
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                          {"key": zlib.crc32(key.encode("utf-8"))})
