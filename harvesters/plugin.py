"""The datong_harvest plugin: what the portal adds to ckanext-harvest beside the harvesters
themselves (datong_json, datong_table, datong_ckan, datong_dcat) — protection of harvested
entries and harvest records, the city-wide overview page and the entry page's origin line.
Registration only; it depends on the core plugin (datong), never the other way round."""
from __future__ import annotations

import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig

from ckanext.datong.cli import datong
from ckanext.datong.harvesters.cli import harvest

OVERRIDES = os.path.join(os.path.dirname(__file__), "overrides")


@tk.blanket.helpers
@tk.blanket.auth_functions
@tk.blanket.actions
@tk.blanket.blueprints
class DatongHarvestPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IClick)

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        # overrides/ extends ckanext-harvest's own source form and job page; harvest comes first
        # in ckan.plugins, so its template directory would win over "templates": only
        # extra_template_paths is searched before it
        paths = [path for path in (config.get("extra_template_paths") or "").split(",") if path]
        if OVERRIDES not in paths:
            config["extra_template_paths"] = ",".join([OVERRIDES, *paths])

    # IClick
    def get_commands(self) -> list[Any]:
        """None of its own: `harvest` joins the core's `ckan datong` group."""
        datong.add_command(harvest)
        return []
