"""The demo portal, served for real: the demo catalog loaded once, CKAN on a local port,
and Debian's chromium driven by Playwright."""
from __future__ import annotations

from typing import Iterator

import pytest
from ckan import plugins

from ckanext.datong import demo
from tests.live import serving_ckan


@pytest.fixture(scope="module")
def demo_site(reset_db) -> Iterator[demo.Summary]:
    plugins.load_all()
    reset_db()
    yield demo.load(lambda line: None)
    plugins.unload_all()


@pytest.fixture(scope="module")
def live_server(demo_site) -> Iterator[str]:
    """CKAN's WSGI app served by werkzeug in a thread of the test process."""
    with serving_ckan() as url:
        yield url
