"""The machinery of the leak sweep: what every registered action and every route is called
with, how an answer is read, and what counts as a leak.

The sweep knows no list of actions or routes: it walks CKAN's action registry (core and every
enabled plugin) and the Flask app's URL map, and derives each call's parameters from the
action's docstring (`:param x:`) and from the keys its source reads from `data_dict`, so a
new action or route is swept without touching this file.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import re
from typing import Any, Callable, Iterable, Iterator, Optional

import ckan.logic as logic

# --------------------------------------------------------------------------- what is secret


@dataclasses.dataclass(frozen=True)
class Secret:
    """One fact about a hidden entry and its twin that never existed: an answer about the
    secret must equal the answer about the ghost once the secret is replaced by the ghost."""

    kind: str
    hidden: str
    ghost: str


KIND_ENTRY_ID, KIND_ENTRY_NAME, KIND_TITLE = "entry_id", "entry_name", "title"
KIND_RESOURCE_ID, KIND_TAG, KIND_FORMAT = "resource_id", "tag", "format"
KIND_ACTIVITY_ID, KIND_HARVEST_OBJECT_ID, KIND_VIEW_ID = "activity_id", "harvest_object_id", "view_id"
KIND_ITEM, KIND_FILE = "item", "file"
"""Kinds of secret: ids and names of the entry, its title, its resource, a tag and a format
only it uses, an activity of it, its harvest object, its resource view, the name of a
flagged 信息项 and its file's name."""

ENTRY_KINDS = (KIND_ENTRY_ID, KIND_ENTRY_NAME)
ANY_ID_KINDS = ENTRY_KINDS + (KIND_RESOURCE_ID, KIND_ACTIVITY_ID, KIND_HARVEST_OBJECT_ID,
                              KIND_VIEW_ID, KIND_TAG)
TEXT_KINDS = (KIND_TITLE, KIND_ENTRY_NAME, KIND_TAG, KIND_FORMAT, KIND_ITEM)

PARAM_KINDS: dict[str, tuple[str, ...]] = {
    "id": ANY_ID_KINDS,
    "name_or_id": ENTRY_KINDS,
    "package_id": ENTRY_KINDS,
    "dataset_id": ENTRY_KINDS,
    "object": ENTRY_KINDS,
    "subject": ENTRY_KINDS,
    "id2": ENTRY_KINDS,
    "entity_id": ENTRY_KINDS,
    "resource_id": (KIND_RESOURCE_ID,),
    "view_id": (KIND_VIEW_ID,),
    "activity_id": (KIND_ACTIVITY_ID,),
    "harvest_object_id": (KIND_HARVEST_OBJECT_ID,),
    "q": TEXT_KINDS,
    "query": TEXT_KINDS,
    "incomplete": TEXT_KINDS,
    "terms": (KIND_TITLE, KIND_TAG),
    "tag": (KIND_TAG,),
    "tags": (KIND_TAG,),
    "tag_name": (KIND_TAG,),
    "format": (KIND_FORMAT,),
}
"""Which secrets a parameter is probed with, by its name."""

FQ_FORMS = {KIND_ENTRY_NAME: "name:{}", KIND_ENTRY_ID: "id:{}", KIND_TAG: 'tags:"{}"',
            KIND_FORMAT: 'res_format:"{}"', KIND_TITLE: 'title:"{}"'}
"""Filter queries (fq) naming a secret."""

FLAGS = {
    "include_datasets": True, "include_dataset_count": True, "all_fields": True,
    "include_extras": True, "include_tags": True, "include_users": True, "include_groups": True,
    "include_followers": True, "include_hidden_activity": True, "include_data": True,
    "include_private": True, "include_plugin_data": True, "include_num_followers": True,
    "include_drafts": True, "include_deleted": True, "only_current": False, "rows": 1000,
    "limit": 1000,
}
"""Parameters that widen an answer: set on every call of an action that takes them."""

VARIANTS: dict[str, tuple[Any, ...]] = {
    "fl": ("*", "id,name,title,data_dict,validated_data_dict,res_url,extras_items,data_grade"),
    "facet.field": (json.dumps(["data_grade", "tags", "res_format", "organization", "name"]),),
    "object_type": ("package",),
    "resource_id": ("_table_metadata",),
    "type": ("harvest",),
}
"""Parameter values that change what an answer is made of: each makes a call of its own."""


# --------------------------------------------------------------------------- the actions


def registered_actions() -> dict[str, Callable[..., Any]]:
    """Every action CKAN answers, core and plugins, chained ones resolved."""
    logic.get_action("package_show")  # builds the registry
    return dict(logic._actions)


def _functions(action: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """The functions behind a registered action: CKAN's wrapper, chained partials and the
    function each of them wraps."""
    seen: set[int] = set()
    pending = [action]
    while pending:
        function = pending.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        if isinstance(function, functools.partial):
            pending.append(function.func)
            pending.extend(arg for arg in function.args if callable(arg))
            continue
        yield function
        for cell in getattr(function, "__closure__", None) or ():
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            if callable(content) and not isinstance(content, type):
                pending.append(content)
        wrapped = getattr(function, "__wrapped__", None)
        if wrapped is not None:
            pending.append(wrapped)


_READ_KEY = re.compile(
    r"""(?:data_dict|dd)\s*(?:\.get\(\s*|\.pop\(\s*|\[\s*)['"]([\w.]+)['"]"""
    r"""|_get_or_bust\(\s*data_dict\s*,\s*['"]([\w.]+)['"]""")


def action_parameters(action: Callable[..., Any]) -> set[str]:
    """Parameter names of an action: its docstrings' `:param x:` and the keys its code
    reads from `data_dict`."""
    names: set[str] = set()
    for function in _functions(action):
        names.update(re.findall(r":param ([\w.]+):", function.__doc__ or ""))
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        names.update(a or b for a, b in _READ_KEY.findall(source))
    return names


def is_read(action: Callable[..., Any]) -> bool:
    return bool(getattr(action, "side_effect_free", False))


@dataclasses.dataclass(frozen=True)
class Call:
    """One call of an action: the parameters with the secret, and with its ghost."""

    action: str
    hidden: dict[str, Any]
    ghost: dict[str, Any]
    secret: Optional[Secret] = None

    def describe(self) -> str:
        return f"{self.action}({json.dumps(self.hidden, ensure_ascii=False)})"


def _flags(parameters: set[str]) -> dict[str, Any]:
    return {name: value for name, value in FLAGS.items() if name in parameters}


def plain_calls(name: str, parameters: set[str]) -> list[Call]:
    """Calls naming no secret: the action with its widening flags, then each variant."""
    base = _flags(parameters)
    calls = [Call(name, base, base)]
    for parameter, values in VARIANTS.items():
        if parameter in parameters:
            calls.extend(Call(name, {**base, parameter: value}, {**base, parameter: value})
                         for value in values)
    return calls


def context_calls(name: str, parameters: set[str], values: dict[str, Iterable[str]]) -> list[Call]:
    """Calls naming things that stay visible (the owner's organization and account, a public
    entry), whose answer must not change when hidden entries are added."""
    base = _flags(parameters)
    calls = []
    for parameter, choices in values.items():
        if parameter in parameters:
            calls.extend(Call(name, {**base, parameter: value}, {**base, parameter: value})
                         for value in choices)
    return calls


def secret_calls(name: str, parameters: set[str], secrets: Iterable[Secret]) -> list[Call]:
    """Calls naming a secret, each with its ghost twin."""
    base = _flags(parameters)
    by_kind: dict[str, list[Secret]] = {}
    for secret in secrets:
        by_kind.setdefault(secret.kind, []).append(secret)
    calls = []
    for parameter in sorted(parameters):
        for kind in PARAM_KINDS.get(parameter, ()):
            for secret in by_kind.get(kind, ()):
                calls.append(Call(name, {**base, parameter: secret.hidden},
                                  {**base, parameter: secret.ghost}, secret))
        if parameter == "fq":
            for kind, form in FQ_FORMS.items():
                for secret in by_kind.get(kind, ()):
                    calls.append(Call(name, {**base, "fq": form.format(secret.hidden)},
                                      {**base, "fq": form.format(secret.ghost)}, secret))
    return calls


# --------------------------------------------------------------------------- reading answers


def normalized(text: str, secrets: Iterable[Secret]) -> str:
    """An answer with every secret replaced by its ghost."""
    for secret in sorted(secrets, key=lambda s: -len(s.hidden)):
        text = text.replace(secret.hidden, secret.ghost)
    return text


def mentions(text: str, markers: Iterable[str]) -> list[str]:
    return [marker for marker in markers if marker and marker in text]


GRADE_KEYS = ("data_grade", "item_grade", "extras_data_grade")


def grade_values(value: Any) -> list[str]:
    """Grades an answer carries: values of a grade key, as a dict key, an extra
    ({"key": "data_grade", "value": …}) or inside JSON text (data_dict, activity data)."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("key") in GRADE_KEYS and value.get("value"):
            found.append(f"{value['key']}={value['value']}")
        for key, inner in value.items():
            if key in GRADE_KEYS and inner not in (None, "", []):
                found.append(f"{key}={inner}")
            found.extend(grade_values(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(grade_values(inner))
    elif isinstance(value, str) and value[:1] in "[{" and "grade" in value:
        try:
            found.extend(grade_values(json.loads(value)))
        except ValueError:
            pass
    return found


def report(problems: list[str]) -> str:
    """An assertion message: how many problems, the first sixty of them."""
    return f"{len(problems)} problems:\n" + "\n".join(problems[:60])
