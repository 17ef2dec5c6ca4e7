"""The embedded search backend: CKAN keeps building its Solr documents, permission labels and
queries; a PostgreSQL connection object answers them instead of Solr (design.md)."""
from __future__ import annotations

import importlib

from sqlalchemy import event

from ckan import model

from ckanext.datong.search import cache, store
from ckanext.datong.search.connection import COMMITTING, make_connection

# Every module that imported make_connection by name from ckan.lib.search.common.
_CONNECTION_USERS = ("ckan.lib.search.common", "ckan.lib.search", "ckan.lib.search.index",
                     "ckan.lib.search.query", "ckanext.harvest.logic.action.update")


def use_postgres_backend() -> None:
    """Point CKAN's search layer at the embedded index (idempotent)."""
    for name in _CONNECTION_USERS:
        try:
            module = importlib.import_module(name)
        except ImportError:  # ckanext-harvest not installed
            continue
        module.make_connection = make_connection
    search = importlib.import_module("ckan.lib.search")
    search.check_solr_schema_version = _no_solr_schema
    if not event.contains(model.Session, "before_commit", _mark_committing):
        event.listen(model.Session, "before_commit", _mark_committing, insert=True)
        event.listen(model.Session, "after_commit", _after_commit)
        event.listen(model.Session, "after_rollback", _after_rollback)
        event.listen(model.Session, "after_soft_rollback", _after_soft_rollback)


def _no_solr_schema(schema_file: str | None = None) -> bool:
    """There is no Solr schema to check: the index tables come from our migrations."""
    return True


def _mark_committing(session) -> None:
    session.info[COMMITTING] = True


def _after_commit(session) -> None:
    session.info.pop(COMMITTING, None)
    session.info.pop(store.WRITTEN, None)
    if session.info.pop(store.UNCOMMITTED_WRITES, False):
        cache.bump_generation()


def _after_rollback(session, *_) -> None:
    session.info.pop(COMMITTING, None)
    session.info.pop(store.WRITTEN, None)
    session.info.pop(store.UNCOMMITTED_WRITES, None)


def _after_soft_rollback(session, previous_transaction) -> None:
    """A rolled-back savepoint may have undone writes: write every document again."""
    session.info.pop(store.WRITTEN, None)
