"""CKAN served for a real browser: the WSGI app in a thread of the test process."""
from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import ckan.plugins.toolkit as tk
from ckan.tests import helpers
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("DATONG_TEST_ARTIFACTS", "var/test-artifacts"))
"""Where browser tests keep their screenshots (git-ignored var/ by default)."""
# Flags for a closed network and a root user (see the machine notes in the README).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def serving_ckan() -> Iterator[str]:
    """Serve CKAN on a free local port and yield its URL.

    While serving, ckan.site_url is that URL: CKAN's JavaScript loads its translations from
    the site URL before it starts any page module (repeating form fields, confirmations), and
    the login redirects there. It is set again on every request: CKAN's pytest plugin restores
    its settings snapshot before each test, and building another app reloads the ini."""
    app = helpers._get_test_app().app
    url = ""

    def pinned(environ: dict[str, Any], start_response: Any) -> Any:
        tk.config["ckan.site_url"] = url
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, pinned, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    site_url = tk.config["ckan.site_url"]
    tk.config["ckan.site_url"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join()
        tk.config["ckan.site_url"] = site_url


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot of `page` kept as a test artifact (ARTIFACTS/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
