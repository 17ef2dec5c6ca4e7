"""Every page the portal serves (every GET rule of the Flask app's URL map), opened as every
outsider after the secrets exist: no page may mention a hidden entry, answer differently
for it than for an entry that never existed, or fail with a 500. A route added later is
swept without changing this file: its arguments are filled by their names."""
from __future__ import annotations

import dataclasses
import urllib.parse
from typing import Any, Callable, Iterator

import pytest
from ckan.tests import helpers
from werkzeug.routing import Rule

from tests.leaks import sweep
from tests.leaks.conftest import ROLES, World, add_secrets

SKIPPED_PREFIXES = {
    "/api/3/action/": "the action API: swept action by action in test_actions.py",
    "/api/action/": "the action API: swept action by action in test_actions.py",
    "/webassets/": "static files of the theme",
    "/user/_logout": "signs the browser session out",
    "/user/reset/": "needs a one-time key sent by e-mail",
    "/util/redirect": "redirects to its `url` parameter only",
    "/testing/": "CKAN's template primer, disabled outside debug mode",
}
"""Rules the sweep does not open, by prefix, with the reason."""
SKIPPED_ARGUMENTS = {
    "filename": "static files (/<path:filename>) and a file's own name in download URLs "
                "(the download without a name is swept)",
    "path": "locale redirects of any path (/zh_CN/<path>)",
    "snippet_path": "template snippets named by path",
}
"""Rule arguments the sweep does not fill, with the reason."""

LITERALS = {"ver": ["3"], "lang": ["zh_Hans_CN"], "_format": ["ttl", "jsonld"],
            "import_id": ["not-an-import"], "view_id": ["not-a-view"],
            "ref_type": ["object"]}
"""Values of arguments that name no entry."""


@dataclasses.dataclass(frozen=True)
class Page:
    rule: str
    hidden: str
    ghost: str


def _id_kinds(rule: str) -> tuple[str, ...]:
    """What a rule's `id` names, by where the rule lives."""
    if "harvest_object" in rule or rule.startswith("/harvest/object/"):
        return (sweep.KIND_HARVEST_OBJECT_ID,)
    if rule.startswith("/dataset/changes/"):
        return (sweep.KIND_ACTIVITY_ID,)
    if rule.startswith("/feeds/tag/"):
        return (sweep.KIND_TAG,)
    return sweep.ENTRY_KINDS


def _context_ids(rule: str, world: World) -> list[str]:
    """Visible things a rule's `id` names when it is not about entries."""
    if "/organization" in rule:
        return [world.orgs["owner"]["name"]]
    if "/group" in rule:
        return [world.group["name"]]
    if rule.startswith("/user/"):
        return [world.users["owner"]["name"]]
    if rule.startswith("/harvest/") and "<source>" in rule:
        return []
    return []


def pages(rule: Rule, world: World) -> Iterator[Page]:
    """URLs of a rule naming each secret its arguments can name, with their ghost twins,
    and URLs naming only visible things (hidden == ghost)."""
    arguments = sorted(set(rule.arguments) - set(rule.defaults or {}))
    if any(name in SKIPPED_ARGUMENTS for name in arguments):
        return
    by_kind: dict[str, list[sweep.Secret]] = {}
    for secret in world.secrets:
        by_kind.setdefault(secret.kind, []).append(secret)
    entry_route = not any(part in rule.rule for part in ("/organization", "/group", "/user/",
                                                        "/feeds/organization", "/feeds/group"))
    choices: dict[str, list[tuple[str, str]]] = {}
    for name in arguments:
        if name in LITERALS:
            choices[name] = [(value, value) for value in LITERALS[name]]
        elif name == "source":
            choices[name] = [(world.source_id, world.source_id)]
        elif name == "id" and not entry_route:
            choices[name] = [(value, value) for value in _context_ids(rule.rule, world)]
        else:
            kinds = _id_kinds(rule.rule) if name in ("id", "_id") else \
                sweep.PARAM_KINDS.get(name, ())
            choices[name] = [(s.hidden, s.ghost) for kind in kinds
                             for s in _one_way_each(kind, by_kind.get(kind, []))]
    if any(not values for values in choices.values()):
        return
    # one URL per value of each argument, the other arguments at their first value
    combos = [{name: values[0] for name, values in choices.items()}]
    for name, values in choices.items():
        combos += [{**combos[0], name: value} for value in values[1:]]
    for combo in combos:
        yield Page(rule.rule, _build(rule, {k: v[0] for k, v in combo.items()}),
                   _build(rule, {k: v[1] for k, v in combo.items()}))


def _one_way_each(kind: str, secrets: list[sweep.Secret]) -> list[sweep.Secret]:
    """Pages name each secret entry one way (the first by URL name, the second by id): both
    ways are swept, and a page costs a render."""
    if kind == sweep.KIND_ENTRY_NAME:
        return secrets[:1]
    if kind == sweep.KIND_ENTRY_ID:
        return secrets[1:]
    return secrets


def _build(rule: Rule, values: dict[str, str]) -> str:
    return rule.build({**(rule.defaults or {}), **values}, append_unknown=False)[1]


def opened(web: Any, world: World, role: str, url: str) -> tuple[int, str]:
    response = web.get(url, headers=world.headers(role), follow_redirects=False)
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture(scope="module")
def opened_pages(leak_world: Callable[[], World]) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(role, url) → (rule, status, body, ghost status)."""
    world = leak_world()
    add_secrets(world)
    web = helpers._get_test_app()
    rules = [rule for rule in web.flask_app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and
             not any(rule.rule.startswith(prefix) for prefix in SKIPPED_PREFIXES)]
    answers: dict[tuple[str, str], tuple[Any, ...]] = {}
    for rule in rules:
        for page in pages(rule, world):
            for role in ROLES:
                status, body = opened(web, world, role, page.hidden)
                ghost_status = status if page.ghost == page.hidden else \
                    opened(web, world, role, page.ghost)[0]
                answers[(role, page.hidden)] = (page.rule, status, body, ghost_status)
    return answers


@pytest.mark.parametrize("role", ROLES)
def test_no_page_mentions_a_secret(opened_pages: dict, leak_world: Callable[[], World],
                                   role: str) -> None:
    markers = leak_world().markers(role)
    problems = []
    for (who, url), (rule, status, body, _) in opened_pages.items():
        if who != role:
            continue
        echoed = urllib.parse.unquote(url)  # a page may repeat its own address
        found = sweep.mentions(body, [m for m in markers if m not in echoed])
        if found:
            problems.append(f"{url} ({rule}, {status}): {found}")
    assert not problems, sweep.report(problems)


@pytest.mark.parametrize("role", ROLES)
def test_a_secret_page_answers_like_a_ghost(opened_pages: dict, role: str) -> None:
    problems = [f"{url} ({rule}): {status} for the secret, {ghost} for its ghost"
                for (who, url), (rule, status, _, ghost) in opened_pages.items()
                if who == role and status != ghost]
    assert not problems, sweep.report(problems)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_fails(opened_pages: dict, role: str) -> None:
    problems = [f"{url} ({rule})" for (who, url), (rule, status, _, ghost) in opened_pages.items()
                if who == role and (status >= 500 or ghost >= 500)]
    assert not problems, sweep.report(problems)


def test_most_rules_are_opened(opened_pages: dict) -> None:
    """The sweep reaches the pages that name entries (a guard against a filler that
    silently fills nothing)."""
    rules = {rule for rule, *_ in opened_pages.values()}
    for expected in ("/dataset/<id>", "/dataset/<id>/resource/<resource_id>",
                     "/dataset/activity/<id>", "/dataset/changes/<id>", "/harvest/object/<id>",
                     "/datastore/dump/<resource_id>", "/organization/<id>", "/feeds/tag/<string:id>.atom",
                     "/dataset/<_id>.<_format>", "/"):
        assert expected in rules, expected
