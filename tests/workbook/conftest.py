"""Departments, the data authority, a county and their users, built once per test module
through CKAN's actions (each test uses its own entries)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Iterator

import pytest
from ckan import plugins
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from ckanext.datong import uscc
from tests import factories


@pytest.fixture(scope="module")
def site(reset_db) -> Iterator[SimpleNamespace]:
    plugins.load_all()
    reset_db()
    sysadmin = ckan_factories.SysadminWithToken()
    transport_editor, culture_editor = ckan_factories.UserWithToken(), ckan_factories.UserWithToken()
    analyst, county_member, citizen = (ckan_factories.UserWithToken(), ckan_factories.UserWithToken(),
                                       ckan_factories.UserWithToken())
    transport = factories.Organization(
        title="大同市交通运输局", dept_code="013", uscc=uscc.make_code("1", "1", "140200", "WB000013"),
        users=[{"name": transport_editor["name"], "capacity": "editor"}])
    culture = factories.Organization(
        title="大同市文化和旅游局", dept_code="021", uscc=uscc.make_code("1", "1", "140200", "WB000021"),
        users=[{"name": culture_editor["name"], "capacity": "editor"}])
    authority = factories.Organization(
        title="大同市数据局", org_kind="数据主管部门", dept_code="001",
        uscc=uscc.make_code("1", "1", "140200", "WB000001"),
        users=[{"name": analyst["name"], "capacity": "member"}])
    county = factories.Organization(
        title="阳高县人民政府", org_kind="县区", region_code="140221", dept_code="001",
        uscc=uscc.make_code("1", "1", "140221", "WB000221"),
        users=[{"name": county_member["name"], "capacity": "member"}])
    yield SimpleNamespace(sysadmin=sysadmin, transport_editor=transport_editor,
                          culture_editor=culture_editor, analyst=analyst,
                          county_member=county_member, citizen=citizen, transport=transport,
                          culture=culture, authority=authority, county=county)
    plugins.unload_all()


@pytest.fixture(scope="module")
def web(site) -> helpers.CKANTestApp:
    """CKAN's test client, built once per module (CKAN's `app` fixture builds one per test)."""
    return helpers._get_test_app()
