"""Departments, the data authority, a county and their users, built once per test module
through CKAN's actions (each test uses its own entries)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Iterator

import pytest
from ckan import plugins
from ckan.tests import helpers

from ckanext.datong import uscc
from tests import factories, worlds


@pytest.fixture(scope="module")
def site(reset_db) -> Iterator[SimpleNamespace]:
    plugins.load_all()
    reset_db()
    sysadmin = factories.SysadminWithToken()
    transport_editor, culture_editor, analyst, county_member, citizen = (
        factories.UserWithToken() for _ in range(5))
    transport = worlds.department("大同市交通运输局", dept_code="013", editor=transport_editor,
                                  uscc=uscc.make_code("1", "1", "140200", "WB000013"))
    culture = worlds.department("大同市文化和旅游局", dept_code="021", editor=culture_editor,
                                uscc=uscc.make_code("1", "1", "140200", "WB000021"))
    authority = worlds.authority("大同市数据局", dept_code="001", member=analyst,
                                 uscc=uscc.make_code("1", "1", "140200", "WB000001"))
    county = worlds.county("阳高县人民政府", "140221", dept_code="001", member=county_member,
                           uscc=uscc.make_code("1", "1", "140221", "WB000221"))
    yield SimpleNamespace(sysadmin=sysadmin, transport_editor=transport_editor,
                          culture_editor=culture_editor, analyst=analyst,
                          county_member=county_member, citizen=citizen, transport=transport,
                          culture=culture, authority=authority, county=county)
    plugins.unload_all()


@pytest.fixture(scope="module")
def web(site) -> helpers.CKANTestApp:
    """CKAN's test client, built once per module (CKAN's `app` fixture builds one per test)."""
    return helpers._get_test_app()
