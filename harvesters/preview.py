"""Preview of a harvest source before it is saved: the first entries of the URL read with
the given type and config, normalized and routed as a harvest would, each validated by the
catalog schema; nothing is written (the validation runs in a transaction rolled back)."""
from __future__ import annotations

import itertools
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import plugins as lib_plugins
from ckanext.harvest.interfaces import IHarvester

from ckanext.datong.harvesters import report
from ckanext.datong.harvesters.base import DatongHarvester, RemoteEntry, SourceError, error_text, parse_config

DEFAULT_LIMIT = 10
MOST = 100


def harvester(source_type: str) -> DatongHarvester:
    """The Datong harvester named `source_type`; ValueError (Chinese) for another name."""
    for plugin in p.PluginImplementations(IHarvester):
        if isinstance(plugin, DatongHarvester) and plugin.info()["name"] == source_type:
            return plugin
    raise ValueError(f"没有名为“{source_type}”的大同采集器（可用：datong_json、datong_table、datong_ckan、datong_dcat）")


def preview(source_type: str, url: str, config_text: str, limit: int = DEFAULT_LIMIT,
            source_org: str | None = None) -> dict[str, Any]:
    """{"error": the Chinese reason the source or config cannot be read, or None;
    "entries": [{guid, title, provider, owner, route, data, changes, errors}]} for the first
    `limit` entries of `url`."""
    try:
        chosen = harvester(source_type)
        chosen.validate_config(config_text)
        config = parse_config(config_text)
    except ValueError as error:
        return {"error": f"来源配置有误：{error}", "entries": []}
    entries: list[dict[str, Any]] = []
    try:
        stream = chosen.prepared(url, config, source_org, lambda message: None)
        for entry in itertools.islice(stream, max(1, min(limit, MOST))):
            entries.append(_shown(entry, source_org))
        return {"error": None, "entries": entries}
    except SourceError as error:
        return {"error": str(error), "entries": entries}
    finally:
        model.Session.rollback()


def _shown(entry: RemoteEntry, source_org: str | None) -> dict[str, Any]:
    owner = entry.route.owner_org if entry.route else source_org
    errors = list(entry.notes.problems)
    if not errors:
        errors = _validation_errors(dict(entry.data, owner_org=owner))
    group = model.Group.get(owner) if owner else None
    return {
        "guid": entry.guid,
        "title": entry.data.get("title") or entry.guid,
        "provider": entry.provider,
        "owner": group.title if group else None,
        "route": entry.route.status if entry.route else None,
        "data": entry.data,
        "changes": [f"{report.KIND_LABELS.get(kind, kind)}：{field}" for kind, field in dict.fromkeys(entry.notes.changes)],
        "errors": errors,
    }


def _validation_errors(data: dict[str, Any]) -> list[str]:
    """The catalog schema's Chinese messages for `data`, validated as package_create would
    (inside a savepoint that is rolled back; generated codes take transaction locks only)."""
    context = {"model": model, "session": model.Session, "ignore_auth": True,
               "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    data = dict(data, type="dataset")
    plugin = lib_plugins.lookup_package_plugin("dataset")
    savepoint = model.Session.begin_nested()
    try:
        _, errors = lib_plugins.plugin_validate(plugin, context, data, plugin.create_package_schema(),
                                                "package_create")
    finally:
        savepoint.rollback()
    if not data.get("owner_org"):
        errors.pop("owner_org", None)  # no organization chosen yet: the rest is still judged
    return [error_text(errors)] if errors else []
