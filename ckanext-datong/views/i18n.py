"""The translations CKAN's scripts ask for, under the locale name they ask with.

Before it starts any page module (repeating 信息项, file upload or link, confirmations), CKAN's
JavaScript fetches /api/i18n/<locale>, built from the page's BCP 47 language tag with only its
first "-" turned back into "_": zh-Hans-CN becomes zh_Hans-CN, a locale CKAN does not know (400),
and no module starts. This route answers with the locale's real name (zh_Hans_CN)."""
from __future__ import annotations

from typing import Union

from ckan.views import api
from flask import Blueprint, Response

datong_i18n = Blueprint("datong_i18n", __name__)


@datong_i18n.route("/api/i18n/<lang>")
def i18n_js_translations(lang: str) -> Union[str, Response]:
    """CKAN's own answer (api.i18n_js_translations) for `lang` with every "-" read as "_"."""
    return api.i18n_js_translations(lang.replace("-", "_"))
