"""The ckanext-datong plugin: registration only; behaviour lives in the subpackages."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation
from ckanext.datastore.interfaces import IDatastore

from ckanext.datong import access, facets, feeds, licences, loader, popularity, signin, uploads
from ckanext.datong.access import tables
from ckanext.datong.logic import action
from ckanext.datong.search import seam
from ckanext.datong.sharing import notify
from ckanext.datong import config as datong_config


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.auth_functions
@tk.blanket.actions(action.get_actions)
@tk.blanket.blueprints
class DatongPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IPermissionLabels)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IUploader, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IAuthenticator, inherit=True)
    p.implements(IDatastore, inherit=True)
    p.implements(p.IFeed, inherit=True)

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "datong")
        datong_config.check_database()
        datong_config.check_plugins()
        datong_config.check_holidays()
        datong_config.check_catalog()
        licences.use_portal_list(config)
        notify.install()
        if datong_config.search_backend() == "postgres":
            seam.use_postgres_backend()

    # IPermissionLabels
    def get_dataset_labels(self, dataset_obj: Any) -> list[str]:
        return access.dataset_labels(dataset_obj)

    def get_user_dataset_labels(self, user_obj: Any) -> list[str]:
        return access.user_labels(user_obj)

    # IPackageController
    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return popularity.index_fields(facets.index_fields(pkg_dict))

    def after_dataset_update(self, context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
        access.relabel_history(pkg_dict["id"])

    def after_dataset_delete(self, context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
        access.relabel_history(pkg_dict["id"])

    def after_dataset_show(self, context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
        access.redact_dataset(context, pkg_dict)
        popularity.add_to([pkg_dict])

    def after_dataset_search(
        self, search_results: dict[str, Any], search_params: dict[str, Any]
    ) -> dict[str, Any]:
        search_results = access.redact_search_results(search_results)
        popularity.add_to(search_results["results"])
        return search_results

    # IFacets
    def dataset_facets(self, facets_dict: dict[str, Any], package_type: str) -> dict[str, Any]:
        return facets.dataset_facets(facets_dict)

    def organization_facets(
        self, facets_dict: dict[str, Any], organization_type: str, package_type: str | None
    ) -> dict[str, Any]:
        return facets.dataset_facets(facets_dict)

    # IAuthenticator
    def login(self) -> Any:
        return signin.refusal()

    def authenticate(self, identity: dict[str, Any]) -> Any:
        return signin.authenticate(identity)

    # IUploader
    def get_resource_uploader(self, data_dict: dict[str, Any]) -> uploads.ResourceUpload:
        return uploads.ResourceUpload(data_dict)

    # IResourceController
    def before_resource_show(self, resource_dict: dict[str, Any]) -> dict[str, Any]:
        uploads.show_download_url(resource_dict)
        return resource_dict

    def after_resource_create(self, context: dict[str, Any], resource_dict: dict[str, Any]) -> None:
        loader.on_resource_saved(resource_dict)

    def after_resource_update(self, context: dict[str, Any], resource_dict: dict[str, Any]) -> None:
        loader.on_resource_saved(resource_dict)

    # IDatastore
    def datastore_search(self, context: dict[str, Any], data_dict: dict[str, Any],
                         fields_types: dict[str, Any], query_dict: dict[str, Any]) -> dict[str, Any]:
        condition = tables.row_condition(context, fields_types)
        if condition is not None:
            query_dict.setdefault("where", []).append(condition)
        return query_dict

    # IFeed
    def get_feed_class(self) -> type[feeds.DatongFeed]:
        return feeds.DatongFeed
