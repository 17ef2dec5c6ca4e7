"""The seam between CKAN's search layer and the embedded index: CKAN keeps building its Solr
documents, permission labels and queries; `make_connection`, wherever CKAN (or a plugin)
imported it, returns a PostgreSQL connection object instead of pysolr's, and the index
writes ride on the session's commit.

The seam depends on CKAN's internals, so start-up stops with one line when the CKAN version
is not the one it was written for, or when a module still holds CKAN's own make_connection
after patching.
"""
from __future__ import annotations

import functools
import importlib
import sys
from typing import Any, Callable

import ckan
from ckan import model
from ckan.exceptions import CkanConfigurationException
from sqlalchemy import event

from ckanext.datong.search import cache, store
from ckanext.datong.search.connection import COMMITTING, make_connection

CKAN_SERIES = "2.11."
"""The CKAN release series whose search layer the seam was written against."""
SOLR_MODULE = "ckan.lib.search.common"
"""Where CKAN defines make_connection."""
NOTIFIED = "datong_search_notified"
"""Set on a session while CKAN commits it: ids of the datasets its notifications indexed."""
REQUIRED = ("ckan.lib.search.common", "ckan.lib.search", "ckan.lib.search.index",
            "ckan.lib.search.query")
"""CKAN's modules that call make_connection by the name they imported."""


def use_postgres_backend() -> None:
    """Point CKAN's search layer at the embedded index (idempotent)."""
    if not ckan.__version__.startswith(CKAN_SERIES):
        raise CkanConfigurationException(
            f"内置检索适配 CKAN {CKAN_SERIES}x，当前为 CKAN {ckan.__version__}："
            "请使用 CKAN 2.11，或设置 ckanext.datong.search.backend = solr")
    for name in REQUIRED:
        importlib.import_module(name)
    for module in list(sys.modules.values()):
        if _holds_solr_connection(module):
            module.make_connection = make_connection
    left = sorted(name for name, module in list(sys.modules.items()) if _holds_solr_connection(module))
    missing = [name for name in REQUIRED if sys.modules[name].make_connection is not make_connection]
    if left or missing:
        raise CkanConfigurationException(
            f"内置检索未能接管 CKAN 的 Solr 连接（{', '.join(left or missing)}）："
            "请检查是否有其他插件替换了 make_connection，或设置 ckanext.datong.search.backend = solr")
    search = importlib.import_module("ckan.lib.search")
    search.check_solr_schema_version = _no_solr_schema
    if not hasattr(search.SynchronousSearchPlugin.notify, "__wrapped__"):
        search.SynchronousSearchPlugin.notify = _once_per_commit(search.SynchronousSearchPlugin.notify)
    if not event.contains(model.Session, "before_commit", _mark_committing):
        event.listen(model.Session, "before_commit", _mark_committing, insert=True)
        event.listen(model.Session, "after_commit", _after_commit)
        event.listen(model.Session, "after_rollback", _after_rollback)
        event.listen(model.Session, "after_soft_rollback", _after_soft_rollback)


def _holds_solr_connection(module: object) -> bool:
    """Whether a module holds CKAN's own make_connection (imported it by name)."""
    try:
        function = getattr(module, "make_connection", None)
    except Exception:  # a lazy module (six.moves …) that fails on attribute access
        return False
    return function is not make_connection and callable(function) and \
        getattr(function, "__module__", None) == SOLR_MODULE


def _no_solr_schema(schema_file: str | None = None) -> bool:
    """There is no Solr schema to check: the index tables come from our migrations."""
    return True


def _once_per_commit(notify: Callable[..., None]) -> Callable[..., None]:
    """CKAN's index notification, run once per dataset and commit: CKAN notifies a new dataset
    twice in the commit that creates it (as new, then as changed through its new resources and
    extras), and each notification builds the whole document again (package_show, validation)."""
    @functools.wraps(notify)
    def once(self: Any, entity: Any, operation: str) -> None:
        indexed = model.Session().info.get(NOTIFIED)
        if indexed is not None and isinstance(entity, model.Package) and operation != "deleted":
            if entity.id in indexed:
                return
            indexed.add(entity.id)
        notify(self, entity, operation)

    return once


def _mark_committing(session) -> None:
    session.info[COMMITTING] = True
    session.info[NOTIFIED] = set()


def _after_commit(session) -> None:
    session.info.pop(COMMITTING, None)
    session.info.pop(NOTIFIED, None)
    session.info.pop(store.WRITTEN, None)
    if session.info.pop(store.UNCOMMITTED_WRITES, False):
        cache.bump_generation()


def _after_rollback(session, *_) -> None:
    session.info.pop(COMMITTING, None)
    session.info.pop(NOTIFIED, None)
    session.info.pop(store.WRITTEN, None)
    session.info.pop(store.UNCOMMITTED_WRITES, None)


def _after_soft_rollback(session, previous_transaction) -> None:
    """A rolled-back savepoint may have undone writes: write every document again."""
    session.info.pop(store.WRITTEN, None)
