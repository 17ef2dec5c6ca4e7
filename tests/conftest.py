"""Suite-wide fixtures: CKAN's own pytest plugin, plus our tables after every DB reset."""
from __future__ import annotations

import os

import pytest
import ckan.plugins.toolkit as tk
from ckan import plugins
from ckan.tests import helpers

@pytest.fixture(scope="session")
def reset_db():
    """CKAN's reset drops every table; bring ours back through their migrations."""
    from ckan.cli.db import _resolve_alembic_config, _run_migrations
    from ckan.tests import factories

    configured = tk.config["ckan.plugins"]
    names = configured.split() if isinstance(configured, str) else list(configured)

    def reset() -> None:
        factories.fake.unique.clear()
        helpers.reset_db()
        loaded_here = [name for name in names if not plugins.plugin_loaded(name)]
        plugins.load(*loaded_here)
        try:
            for name in names:
                if os.path.exists(_resolve_alembic_config(name)):
                    _run_migrations(name)
        finally:
            plugins.unload(*loaded_here)

    return reset
