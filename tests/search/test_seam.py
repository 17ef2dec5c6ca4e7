"""The seam to CKAN's search layer: every module holding CKAN's make_connection is patched, and
start-up stops with one line when the seam cannot hold."""
from __future__ import annotations

import sys
import types

import ckan
import ckan.lib.search.index
import pytest
from ckan.exceptions import CkanConfigurationException

from ckanext.datong.search import seam
from ckanext.datong.search.connection import PostgresSearchConnection, make_connection


def _solr_make_connection() -> None:
    """Stands for CKAN's own make_connection (same defining module)."""


_solr_make_connection.__module__ = seam.SOLR_MODULE


def test_ckan_answers_from_postgres():
    assert isinstance(ckan.lib.search.index.make_connection(), PostgresSearchConnection)
    assert all(sys.modules[name].make_connection is make_connection for name in seam.REQUIRED)


def test_a_module_that_imported_make_connection_is_patched(monkeypatch):
    plugin_module = types.ModuleType("ckanext.someplugin.search")
    plugin_module.make_connection = _solr_make_connection
    monkeypatch.setitem(sys.modules, plugin_module.__name__, plugin_module)
    seam.use_postgres_backend()
    assert plugin_module.make_connection is make_connection


def test_another_ckan_series_stops_startup(monkeypatch):
    monkeypatch.setattr(ckan, "__version__", "2.12.0")
    with pytest.raises(CkanConfigurationException, match="当前为 CKAN 2.12.0") as raised:
        seam.use_postgres_backend()
    assert "\n" not in str(raised.value)


def test_a_connection_replaced_by_someone_else_stops_startup(monkeypatch):
    monkeypatch.setattr(ckan.lib.search.index, "make_connection", lambda: None)
    with pytest.raises(CkanConfigurationException, match="ckan.lib.search.index") as raised:
        seam.use_postgres_backend()
    assert "\n" not in str(raised.value)
