"""Every action CKAN answers over its API, swept as every outsider: nothing may mention a
hidden entry, answer differently for it than for an entry that never existed, or change
when it is added; no grade or flagged 信息项 reaches a non-government caller.

The actions come from CKAN's registry (core and every enabled plugin): an action added
later is swept without changing this file. Only the actions in SKIPPED are left out, each
with its reason."""
from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Callable

import pytest
from ckan.tests import helpers

from tests.leaks import sweep
from tests.leaks.conftest import NON_GOVERNMENT, ROLES, World, add_secrets

SKIPPED = {
    "get_site_user": "internal: the site user's API key, refused over the API to everyone",
}
"""Actions the sweep does not call, with the reason."""
WRITE_ROLES = ("anonymous", "county")
"""Who calls the write actions with the secrets (every role calls the read actions)."""
LAST_ACTIVE = re.compile(r'"last_active": "[^"]*"')


@dataclasses.dataclass
class Sweep:
    world: World
    calls: dict[str, list[sweep.Call]]
    before: dict[tuple[str, str], str]
    after: dict[tuple[str, str], str]
    hidden: dict[tuple[str, str], str]
    ghost: dict[tuple[str, str], str]


def answer(web: Any, world: World, role: str, action: str, params: dict[str, Any]) -> str:
    """The API's answer as canonical JSON text: status and body without the help link."""
    response = web.post(f"/api/3/action/{action}", json=params, headers=world.headers(role))
    try:
        body = response.json
    except ValueError:
        body = response.get_data(as_text=True)
    if isinstance(body, dict):
        body.pop("help", None)
    text = json.dumps([response.status_code, body], ensure_ascii=False, sort_keys=True)
    # the callers' own sign-in times move as the sweep signs them in: not about any entry
    return LAST_ACTIVE.sub('"last_active": null', text)


@pytest.fixture(scope="module")
def swept(leak_world: Callable[[], World]) -> Sweep:
    world = leak_world()
    web = helpers._get_test_app()
    actions = {name: action for name, action in sweep.registered_actions().items()
               if name not in SKIPPED}
    parameters = {name: sweep.action_parameters(action) for name, action in actions.items()}
    readers = [name for name, action in actions.items() if sweep.is_read(action)]

    def visible_calls() -> list[sweep.Call]:
        calls = []
        for name in readers:
            calls += sweep.plain_calls(name, parameters[name])
            calls += sweep.context_calls(name, parameters[name], world.context_values())
        return calls

    def run(calls: list[sweep.Call], ghost: bool = False,
            roles: tuple[str, ...] = ROLES) -> dict[tuple[str, str], str]:
        return {(role, call.describe()): answer(web, world, role, call.action,
                                                call.ghost if ghost else call.hidden)
                for role in roles for call in calls}

    plain = visible_calls()
    before = run(plain)
    add_secrets(world)
    after = run(plain)
    secret = [call for name in actions
              for call in sweep.secret_calls(name, parameters[name], world.secrets)]
    calls: dict[str, list[sweep.Call]] = {}
    for call in plain + secret:
        calls.setdefault(call.action, []).append(call)
    # write actions refuse outsiders alike: one without an account, one official suffice
    reads = [call for call in secret if call.action in readers]
    writes = [call for call in secret if call.action not in readers]
    return Sweep(world=world, calls=calls, before=before, after=after,
                 hidden={**run(reads), **run(writes, roles=WRITE_ROLES)},
                 ghost={**run(reads, ghost=True), **run(writes, ghost=True, roles=WRITE_ROLES)})


def difference(first: str, second: str) -> str:
    """Where two answers part, with some context."""
    at = next((i for i, (a, b) in enumerate(zip(first, second)) if a != b),
              min(len(first), len(second)))
    start = max(0, at - 120)
    return f"\n  one   …{first[start:at + 200]}\n  other …{second[start:at + 200]}"


@pytest.mark.parametrize("role", ROLES)
def test_no_answer_mentions_a_secret(swept: Sweep, role: str) -> None:
    markers = swept.world.markers(role)
    problems = []
    sent = {call.describe(): call.hidden for calls in swept.calls.values() for call in calls}
    for answers in (swept.after, swept.hidden):
        for (who, call), text in answers.items():
            if who != role:
                continue
            # an answer may repeat what the caller sent: that says nothing new
            echoed = {str(value) for value in sent[call].values()}
            found = sweep.mentions(text, [marker for marker in markers if marker not in echoed])
            if role in NON_GOVERNMENT:
                found += sweep.grade_values(json.loads(text))
            if found:
                problems.append(f"{call}: {found}")
    assert not problems, sweep.report(problems)


@pytest.mark.parametrize("role", ROLES)
def test_answers_do_not_change_when_secrets_are_added(swept: Sweep, role: str) -> None:
    problems = [f"{key[1]} (before/after):{difference(swept.before[key], text)}"
                for key, text in swept.after.items()
                if key[0] == role and swept.before[key] != text]
    assert not problems, sweep.report(problems)


@pytest.mark.parametrize("role", ROLES)
def test_a_secret_is_answered_like_a_ghost(swept: Sweep, role: str) -> None:
    problems = []
    for key, text in swept.hidden.items():
        if key[0] != role:
            continue
        seen = sweep.normalized(text, swept.world.secrets)
        if seen != swept.ghost[key]:
            problems.append(f"{key[1]} (secret/ghost):{difference(seen, swept.ghost[key])}")
    assert not problems, sweep.report(problems)


@pytest.mark.parametrize("role", ROLES)
def test_no_action_fails(swept: Sweep, role: str) -> None:
    """Whatever an outsider sends, the answer is a structured error, never a crash."""
    problems = [f"{key[1]}: {text[:300]}"
                for answers in (swept.after, swept.hidden, swept.ghost)
                for key, text in answers.items()
                if key[0] == role and text.startswith("[500")]
    assert not problems, sweep.report(problems)


def test_every_action_is_swept(swept: Sweep) -> None:
    """Each registered action is called at least once, or skipped with a reason; the write
    actions are called with every secret they take."""
    actions = sweep.registered_actions()
    unswept = [name for name, action in actions.items()
               if name not in SKIPPED and name not in swept.calls
               and (sweep.is_read(action) or sweep.action_parameters(action) & set(sweep.PARAM_KINDS))]
    assert not unswept, unswept
    assert set(SKIPPED) <= set(actions), "a skipped action no longer exists"
