"""The demo portal, served for real: the demo catalog loaded once, CKAN on a local port,
and Debian's chromium driven by Playwright."""
from __future__ import annotations

import shutil
import threading
from typing import Iterator

import pytest
from ckan import plugins
from ckan.tests import helpers
from werkzeug.serving import make_server

from ckanext.datong import demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network and a root user (see the machine notes in the README).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def demo_site(reset_db) -> Iterator[demo.Summary]:
    plugins.load_all()
    reset_db()
    yield demo.load(lambda line: None)
    plugins.unload_all()


@pytest.fixture(scope="module")
def live_server(demo_site) -> Iterator[str]:
    """CKAN's WSGI app served by werkzeug in a thread of the test process."""
    server = make_server("127.0.0.1", 0, helpers._get_test_app().app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


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
