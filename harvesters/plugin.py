"""The datong_harvest plugin: what the portal adds to ckanext-harvest beside the harvesters
themselves (datong_json, datong_table, datong_ckan, datong_dcat) — protection of harvested
entries and harvest records, the city-wide overview page and the entry page's origin line.
Registration only; it depends on the core plugin (datong), never the other way round."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig


@tk.blanket.helpers
@tk.blanket.auth_functions
@tk.blanket.actions
@tk.blanket.blueprints
class DatongHarvestPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
