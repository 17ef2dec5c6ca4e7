"""Transaction-scoped PostgreSQL advisory locks: concurrent writers that would pick the same
generated value take turns until the first commits (`transaction_lock`), or claim a value
without waiting (`claim`: a URL name, a resource code held by a writer still in progress is
passed over for the next one)."""
from __future__ import annotations

import hashlib
import zlib

import sqlalchemy as sa

import ckan.model as model


def transaction_lock(key: str) -> None:
    """Wait for, then hold until the end of the current transaction, the lock named `key`."""
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                          {"key": zlib.crc32(key.encode("utf-8"))})


def claim(key: str) -> bool:
    """Hold the lock named `key` until the end of the current transaction if no other
    transaction holds it; never waits. A caller claiming a value (e.g. a URL name) checks,
    once it holds the claim, that the value is still free: a writer that held it before has
    committed by then, and its row is visible."""
    number = int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big", signed=True)
    return bool(model.Session.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"),
                                      {"key": number}).scalar())
