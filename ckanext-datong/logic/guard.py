"""Every action CKAN answers, core's and every plugin's, guarded in one place.

IActions lets a plugin chain any action; this module chains all of them (and wraps our
own), so that a rule holds for an action added later without naming it:
- entries the caller may not see are absent (logic/absent.py);
- a call from the action API that crashes the action on its input (a parameter missing or
  of the wrong type: KeyError, TypeError, a database refusing a value …) answers a structured
  validation error in Chinese instead of a 500; the crash is logged with its traceback and
  the transaction rolled back, so nothing half-written stays.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Mapping, Optional

import ckan.authz as authz
import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import sqlalchemy.exc
from rdflib.plugin import PluginException
from ckan.types import Action, Context
from flask import has_request_context, request

from ckanext.datong.logic import absent

log = logging.getLogger(__name__)

SIDE_EFFECT_FREE = "side_effect_free"
AUDIT_EXEMPT = "auth_audit_exempt"
"""CKAN exempts plugins' actions from its check that an action called its auth function; the
exemption must stay on the guarded action, which CKAN copies attributes to from us."""
API_ENDPOINT = "api.action"
BAD_INPUT = (KeyError, TypeError, ValueError, AttributeError, IndexError, AssertionError,
             sqlalchemy.exc.DataError, sqlalchemy.exc.StatementError, PluginException)
"""What an action raises when it trips over its input rather than refusing it (rdflib's for
an RDF format it does not know, asked of ckanext-dcat)."""
BAD_INPUT_MESSAGE = "请求参数缺失或格式不正确，请对照接口说明检查后重试"
MISSING_MESSAGE = "缺少参数或参数无效：{}"


def _called_by_api(name: str) -> bool:
    """Whether this call is the action the current API request asked for."""
    return has_request_context() and request.endpoint == API_ENDPOINT and \
        (request.view_args or {}).get("logic_function") == name


def _run(name: str, target: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    try:
        return absent.call_as_absent(name, target, context, data_dict)
    except BAD_INPUT as error:
        if not _called_by_api(name):
            raise
        log.exception("action %s crashed on its input %r", name, data_dict)
        model.Session.rollback()
        message = MISSING_MESSAGE.format(error.args[0]) if isinstance(error, KeyError) \
            and error.args else BAD_INPUT_MESSAGE
        raise tk.ValidationError({"message": [message]}) from None


def _attributes(function: Any, from_plugin: bool) -> dict[str, Any]:
    attributes = {SIDE_EFFECT_FREE: True} if getattr(function, SIDE_EFFECT_FREE, False) else {}
    if from_plugin:
        attributes[AUDIT_EXEMPT] = True
    return attributes


def _chained(name: str, own: Optional[Action], attributes: dict[str, Any]) -> Action:
    """A chained action guarding the original (through `own`, a chained action of ours)."""
    def guarded(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
        target = functools.partial(own, original) if own is not None else original
        return _run(name, target, context, data_dict)

    guarded.__name__ = name
    guarded.__doc__ = (own.__doc__ if own is not None else None) or guarded.__doc__
    guarded.__dict__.update(attributes)
    return tk.chained_action(guarded)


def _new(name: str, own: Action) -> Action:
    """One of our own actions, guarded."""
    @functools.wraps(own)
    def guarded(context: Context, data_dict: dict[str, Any]) -> Any:
        return _run(name, own, context, data_dict)

    return guarded


def _existing_actions() -> tuple[dict[str, Any], set[str]]:
    """The actions of CKAN core and of every other plugin by name, and the names that
    plugins define (not only chain)."""
    found: dict[str, Any] = {}
    for module in ("get", "create", "update", "delete", "patch"):
        found.update(authz.get_local_functions(
            __import__(f"ckan.logic.action.{module}", fromlist=[module])))
    from_plugins: set[str] = set()
    for plugin in plugins.PluginImplementations(plugins.IActions):
        if plugin.name == "datong":
            continue
        for name, function in plugin.get_actions().items():
            if name not in found:
                found[name] = function
                from_plugins.add(name)
    return found, from_plugins


def everywhere(own: Mapping[str, Action]) -> dict[str, Action]:
    """IActions: our actions and every other action, each guarded; our chained actions of a
    plugin that is not loaded are left out."""
    existing, from_plugins = _existing_actions()
    actions: dict[str, Action] = {}
    for name in set(existing) | set(own):
        mine = own.get(name)
        if mine is not None and not getattr(mine, "chained_action", False):
            actions[name] = _new(name, mine)
            continue
        if name not in existing:
            continue
        attributes = _attributes(existing.get(name), name in from_plugins)
        attributes.update(_attributes(mine, False))
        actions[name] = _chained(name, mine, attributes)
    return actions
