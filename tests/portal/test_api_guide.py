"""The API page (/api-guide) on the demo portal: every curl command and Python script it shows
is run as shown (the token placeholder replaced by a real token) against the portal served
on a local port, and must succeed with a real answer."""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import requests
from bs4 import BeautifulSoup
from ckan.tests import helpers

from ckanext.datong import loader
from ckanext.datong.pages import api_guide
from tests import factories, worlds


@pytest.fixture(scope="module")
def shown(live_server: str) -> dict[str, Any]:
    """The page as a signed-in citizen sees it, with its examples by (key, kind), once the
    first demo table an anonymous visitor sees is in the DataStore (loaded by the portal's
    loader, as its queued job would)."""
    found = helpers.call_action("package_search", context={"user": ""}, q="", rows=100, sort="name asc")
    table = next(resource for entry in found["results"] for resource in entry["resources"]
                 if resource.get("url_type") == "upload" and resource.get("format") == "CSV")
    loader.load(table["id"])
    citizen = factories.User(name="api-guide-citizen", fullname="市民")
    token = worlds.token(citizen, "api-guide")
    response = requests.get(live_server + "/api-guide", headers={"Authorization": token}, timeout=60)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    examples = {(pre["data-example"], pre["data-kind"]): pre.get_text()
                for pre in soup.select("pre.datong-example")}
    return {"soup": soup, "examples": examples, "token": token, "citizen": citizen}


def _run(kind: str, code: str, token: str, workdir: str) -> subprocess.CompletedProcess:
    code = code.replace(api_guide.TOKEN_PLACEHOLDER, token)
    command = ["bash", "-c", code] if kind == "curl" else [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=workdir)


def test_every_example_runs_against_the_portal(shown, tmp_path) -> None:
    examples = shown["examples"]
    keys = {key for key, _ in examples}
    assert {"package_search", "package_show", "organization_list", "datastore_search",
            "datastore_search_filters", "datastore_search_q", "datastore_dump",
            "package_search_token"} <= keys
    for (key, kind), code in sorted(examples.items()):
        workdir = tmp_path / f"{key}-{kind}"
        workdir.mkdir()
        done = _run(kind, code, shown["token"], str(workdir))
        assert done.returncode == 0, (key, kind, code, done.stderr)
        if key == "datastore_dump":
            text = (workdir / "data.csv").read_text(encoding="utf-8-sig")
            assert text.count("\n") >= 2, (kind, text)
        elif kind == "curl":
            answer = json.loads(done.stdout)
            assert answer["success"] is True, (key, answer)
            result = answer["result"]
            assert result, (key, result)
            if key.startswith("datastore_search"):
                assert result["records"], (key, result)
        else:
            assert done.stdout.strip() not in ("", "[]", "{}"), (key, done.stdout)


def test_filters_and_search_narrow_the_table(shown, tmp_path) -> None:
    """The filter example returns only rows with the value it names."""
    code = shown["examples"][("datastore_search_filters", "curl")]
    answer = json.loads(_run("curl", code, shown["token"], str(tmp_path)).stdout)["result"]
    (column, value), = answer["filters"].items()
    assert answer["records"] and all(str(row[column]) == value for row in answer["records"])


def test_the_page_is_linked_and_names_the_token_page(shown, live_server) -> None:
    soup = shown["soup"]
    token_page = f"/user/{shown['citizen']['name']}/api-tokens"
    assert soup.find("a", href=lambda href: href and href.endswith(token_page))
    client = helpers._get_test_app()
    home = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert home.select_one("footer a[href$='/api-guide']")
    signed_in = client.get("/", headers={"Authorization": shown["token"]}).get_data(as_text=True)
    assert BeautifulSoup(signed_in, "html.parser").select_one(".account a[href$='/api-guide']")
    tokens = client.get(token_page, headers={"Authorization": shown["token"]}).get_data(as_text=True)
    assert "API 令牌" in tokens and "API Tokens" not in tokens


def test_anonymous_visitors_see_how_to_get_a_token(demo_site) -> None:
    body = helpers._get_test_app().get("/api-guide").get_data(as_text=True)
    assert "登录后" in body and "只返回开放数据" in body
