"""Hardening: security headers on every answer, throttled sign-in, and organizations and
groups created by the data authority only."""
from __future__ import annotations

from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis
from ckan.tests import helpers

from ckanext.datong import signin
from ckanext.datong.views import security
from tests import factories, worlds

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture(autouse=True)
def no_failures_counted() -> None:
    redis = connect_to_redis()
    for key in redis.scan_iter(signin.KEY.format("*", "*")):
        redis.delete(key)


@pytest.mark.parametrize("path", ["/", "/dataset/", "/api/3/action/status_show",
                                  "/dataset/no-such-entry", "/user/login"])
def test_every_answer_carries_the_security_headers(app: Any, path: str) -> None:
    response = app.get(path)
    for name, value in security.HEADERS.items():
        assert response.headers[name] == value
    assert "Strict-Transport-Security" not in response.headers  # served over http here
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_hsts_over_https(app: Any) -> None:
    response = app.get("/", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"] == security.HSTS


@pytest.mark.parametrize("path", ["/catalog.ttl", "/dataset/", "/api/3/action/package_search"])
@pytest.mark.parametrize("query", ['"公交', "title:(", "a b", "公交 线路", "*:*", "x" * 5000])
def test_malformed_queries_are_refused_not_crashed(app: Any, path: str, query: str) -> None:
    factories.Dataset(owner_org=factories.Organization()["id"])
    response = app.get(path, query_string={"q": query})
    assert response.status_code in (200, 400, 409), response.status_code


def _sign_in(app: Any, login: str, password: str, address: str = "10.0.0.1") -> Any:
    return app.post("/user/login", data={"login": login, "password": password},
                    environ_base={"REMOTE_ADDR": address}, follow_redirects=False)


def test_an_account_is_locked_after_failed_sign_ins_even_with_the_right_password(app: Any) -> None:
    user = factories.User(password="RightPassword123")
    limit = tk.asint(tk.config["ckanext.datong.login.max_failures_per_account"])
    for _ in range(limit):
        assert _sign_in(app, user["name"], "wrong-password").status_code == 200
    refused = _sign_in(app, user["name"], "RightPassword123")
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    # another account from another address is not affected
    other = factories.User(password="RightPassword123")
    assert _sign_in(app, other["name"], "RightPassword123", "10.0.0.2").status_code == 302


def test_a_success_clears_the_account_count(app: Any) -> None:
    user = factories.User(password="RightPassword123")
    limit = tk.asint(tk.config["ckanext.datong.login.max_failures_per_account"])
    for _ in range(limit - 1):
        _sign_in(app, user["name"], "wrong-password")
    assert _sign_in(app, user["name"], "RightPassword123").status_code == 302
    assert _sign_in(app, user["name"], "wrong-password").status_code == 200
    assert _sign_in(app, user["name"], "RightPassword123").status_code == 302


def test_an_address_is_locked_after_failures_on_many_accounts(app: Any) -> None:
    limit = tk.asint(tk.config["ckanext.datong.login.max_failures_per_address"])
    for number in range(limit):
        _sign_in(app, f"nobody-{number}", "wrong-password", "10.0.0.9")
    user = factories.User(password="RightPassword123")
    assert _sign_in(app, user["name"], "RightPassword123", "10.0.0.9").status_code == 429
    assert _sign_in(app, user["name"], "RightPassword123", "10.0.0.10").status_code == 302


@pytest.mark.parametrize("action", ["organization_create", "group_create"])
def test_citizens_and_departments_cannot_create_organizations_or_groups(action: str) -> None:
    sysadmin = factories.Sysadmin()
    editor = factories.User()
    worlds.organization(sysadmin, "大同市交通运输局", admin=editor)
    for user in (factories.User(), editor):
        with pytest.raises(tk.NotAuthorized, match="只有数据主管部门"):
            helpers.call_action(action, context={"user": user["name"], "ignore_auth": False},
                                name="new-body", title="新机构")


def test_the_authority_creates_organizations() -> None:
    sysadmin = factories.Sysadmin()
    official = factories.User()
    worlds.organization(sysadmin, "大同市数据局", worlds.AUTHORITY, member=official)
    created = worlds.organization(official, "大同市农业农村局")
    assert created["title"] == "大同市农业农村局"
