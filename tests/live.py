"""CKAN served for a real browser: the WSGI app in a thread of the test process."""
from __future__ import annotations

import contextlib
import shutil
import threading
from typing import Iterator

import ckan.plugins.toolkit as tk
from ckan.tests import helpers
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network and a root user (see the machine notes in the README).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def serving_ckan() -> Iterator[str]:
    """Serve CKAN on a free local port and yield its URL.

    While serving, ckan.site_url is that URL: CKAN's JavaScript loads its translations from
    the site URL before it starts any page module (repeating form fields, confirmations), and
    the login redirects there. (Set once the app is built: building it reloads the settings.)"""
    server = make_server("127.0.0.1", 0, helpers._get_test_app().app, threaded=True)
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
