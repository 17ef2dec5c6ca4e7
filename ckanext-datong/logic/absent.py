"""Entries a caller may not see do not exist for that caller, in every action.

Every action CKAN answers (core's and every plugin's) passes here (logic/guard.py): before it
runs, each parameter that refers to an entry the caller may not see (access.may_see) — the
entry's id or URL name, or the id of its resource, resource view, activity or harvest object,
or a tag that only such entries carry — is replaced by a value that refers to nothing, and
afterwards that value is turned back into what the caller sent wherever the answer repeats it. So the answer is, by construction, the
answer for an entry that never existed: the same error (type, status and message), the same
empty list or zero count, whatever the action. Callers who may see the entry, sysadmins and
internal calls that ignore auth are not touched.
"""
from __future__ import annotations

import re
import uuid
from typing import Any, Callable, Mapping, Optional

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context

from ckanext.datong import access
from ckanext.datong.logic.action import listings

REFERENCE_KEYS = ("id", "name_or_id", "package_id", "dataset_id", "resource_id", "object",
                  "subject", "id2", "entity_id", "activity_id", "view_id")
"""Parameters that may refer to an entry by an id of it or of something of it."""
NAME_KEYS = ("name_or_id", "package_id", "dataset_id", "subject", "id2")
"""Parameters that may also refer to an entry by its URL name."""
DATASET_ACTIONS = re.compile(
    r"^(package_|dataset_|resource_|datastore_|follow_dataset|unfollow_dataset|"
    r"am_following_dataset|dcat_dataset|harvest_source_)")
"""Actions whose `id` (and whose `object` of type package) may be an entry's URL name."""


def _by_name(action: str, key: str, data_dict: Mapping[str, Any]) -> bool:
    if key in NAME_KEYS:
        return True
    if key == "id":
        return bool(DATASET_ACTIONS.match(action))
    return key == "object" and data_dict.get("object_type") == "package"


def _unseen_tag(who: access.Viewer, reference: str, vocabulary: Any) -> bool:
    """Whether a tag exists but no entry `who` may see carries it."""
    tag = model.Tag.get(reference, vocab_id_or_name=vocabulary or None)
    return tag is not None and not listings.seen_tags(who, [tag.name])


def absent_references(action: str, context: Context,
                      data_dict: Mapping[str, Any]) -> dict[str, str]:
    """The parameters of a call that refer to an entry its caller may not see, with the
    value that refers to nothing to put in their place."""
    if context.get("ignore_auth") or authz.is_sysadmin(context.get("user")):
        return {}
    who: Optional[access.Viewer] = None
    replaced: dict[str, str] = {}
    for key in REFERENCE_KEYS:
        value = data_dict.get(key)
        if not isinstance(value, str) or not value or len(value) > 100:
            continue
        if action.startswith("tag_") and key == "id":
            who = who or access.viewer_from_context(context)
            if _unseen_tag(who, value, data_dict.get("vocabulary_id")):
                replaced[key] = str(uuid.uuid4())
            continue
        package = access.referenced_entry(value, _by_name(action, key, data_dict))
        if package is None:
            continue
        who = who or access.viewer_from_context(context)
        if not access.may_see(who, package):
            replaced[key] = str(uuid.uuid4())
    return replaced


def _restored(value: Any, ghosts: Mapping[str, str]) -> Any:
    """`value` with every stand-in turned back into what the caller sent."""
    if isinstance(value, str):
        for ghost, original in ghosts.items():
            value = value.replace(ghost, original)
        return value
    if isinstance(value, list):
        return [_restored(item, ghosts) for item in value]
    if isinstance(value, dict):
        return {key: _restored(item, ghosts) for key, item in value.items()}
    return value


def call_as_absent(action: str, target: Callable[..., Any], context: Context,
                   data_dict: dict[str, Any]) -> Any:
    """Run `target` with the references to unseen entries replaced (see the module)."""
    replaced = absent_references(action, context, data_dict)
    if not replaced:
        return target(context, data_dict)
    ghosts = {ghost: data_dict[key] for key, ghost in replaced.items()}
    try:
        return _restored(target(context, {**data_dict, **replaced}), ghosts)
    except tk.ValidationError as error:
        raise tk.ValidationError(_restored(error.error_dict, ghosts)) from None
    except (tk.ObjectNotFound, tk.NotAuthorized) as error:
        raise type(error)(_restored(error.message, ghosts)) from None
