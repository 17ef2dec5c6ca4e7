"""Suite-wide fixtures: CKAN's own pytest plugin, plus our tables after every DB reset."""
from __future__ import annotations

import os

import pytest
import ckan.plugins.toolkit as tk
from ckan import model, plugins
from ckan.tests import helpers

from ckanext.datong.search import cache

@pytest.fixture(scope="session")
def reset_db():
    """CKAN's reset leaves tables it does not know: migrate them after a drop, empty them always."""
    from ckan.cli.db import _resolve_alembic_config, _run_migrations
    from ckan.tests import factories

    configured = tk.config["ckan.plugins"]
    names = configured.split() if isinstance(configured, str) else list(configured)

    def reset() -> None:
        factories.fake.unique.clear()
        tables_dropped = not model.repo.tables_created_and_initialised
        helpers.reset_db()  # drops every table the first time, later only deletes CKAN's rows
        if tables_dropped:
            loaded_here = [name for name in names if not plugins.plugin_loaded(name)]
            plugins.load(*loaded_here)
            try:
                for name in names:
                    if os.path.exists(_resolve_alembic_config(name)):
                        _run_migrations(name)
            finally:
                plugins.unload(*loaded_here)
        model.Session.execute("TRUNCATE datong_search_doc, datong_search_term")
        model.Session.commit()
        cache.bump_generation()  # the truncate bypassed the index writer

    return reset
