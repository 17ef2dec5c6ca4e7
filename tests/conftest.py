"""Suite-wide fixtures: CKAN's own pytest plugin, our tables after every DB reset, and
Debian's chromium driven by Playwright for the browser tests (tests/live.py serves CKAN);
under pytest-xdist each worker runs on its own databases (tests/workers.py)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
import ckan.plugins.toolkit as tk
from ckan import model, plugins
from ckan.tests import helpers

from ckanext.datong.search import cache
from tests.live import CHROMIUM, CHROMIUM_ARGS
from tests.workers import worker_ini


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker runs CKAN from its own ini (CKAN's plugin reads --ckan-ini at session
    start, after this); tests that start processes pass that ini on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        config.option.ckan_ini = str(worker_ini(Path(config.option.ckan_ini), worker))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist the leak sweeps start first: each file is one long module fixture (minutes),
    which would otherwise run alone at the end (pytest.ini: --no-loadscope-reorder)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: not item.nodeid.startswith("tests/leaks/"))


@pytest.fixture(scope="session")
def reset_db(migrate_db_for):
    """CKAN's reset leaves tables it does not know: migrate them after a drop (every enabled
    plugin with migrations, as `ckan db upgrade` finds them), empty them always."""
    from ckan.cli.db import current_revision
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
                    if current_revision(name) is not None:  # None: the plugin has no migrations
                        migrate_db_for(name)
            finally:
                plugins.unload(*loaded_here)
        model.Session.execute("TRUNCATE datong_search_doc, datong_search_term")
        model.Session.commit()
        cache.bump_generation()  # the truncate bypassed the index writer

    return reset


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    yield context.new_page()
    context.close()
