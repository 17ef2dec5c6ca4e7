"""The ckanext-datong plugin: registration only; behaviour lives in the subpackages."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig

from ckanext.datong import config as datong_config
from ckanext.datong import search


@tk.blanket.config_declarations
@tk.blanket.cli
class DatongPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        datong_config.check_database()
        if datong_config.search_backend() == "postgres":
            search.use_postgres_backend()
