"""Blueprints of ckanext-datong."""
from __future__ import annotations

from ckanext.datong.views.access import datong_access
from ckanext.datong.views.api_guide import datong_api_guide
from ckanext.datong.views.dashboards import datong_dashboards
from ckanext.datong.views.dcat import datong_dcat
from ckanext.datong.views.errors import datong_errors
from ckanext.datong.views.i18n import datong_i18n
from ckanext.datong.views.licences import datong_licences
from ckanext.datong.views.opening import datong_opening
from ckanext.datong.views.popularity import datong_popularity
from ckanext.datong.views.registration import datong_registration
from ckanext.datong.views.security import datong_security
from ckanext.datong.views.sharing import datong_sharing
from ckanext.datong.views.workbook import datong_workbook

__all__: list[str] = ["datong_access", "datong_dashboards", "datong_api_guide", "datong_licences", "datong_errors", "datong_workbook", "datong_i18n",
                      "datong_opening", "datong_popularity", "datong_registration", "datong_security", "datong_sharing", "datong_dcat"]
