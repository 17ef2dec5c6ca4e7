"""Typed getters for every ckanext-datong setting (declared in config_declaration.yaml)."""
from __future__ import annotations

from typing import Literal

import ckan.plugins.toolkit as tk

SearchBackend = Literal["postgres", "solr"]


def search_backend() -> SearchBackend:
    """The search engine that answers package_search."""
    return tk.config.get("ckanext.datong.search.backend")
