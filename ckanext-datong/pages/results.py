"""Template helpers of search result items (and, for the entry page, the popularity figures):
the matched words highlighted in titles and abstracts, and an entry's view and download counts."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from markupsafe import Markup

from ckanext.datong import popularity
from ckanext.datong.search import highlight

ABSTRACT_LENGTH = 180


def datong_highlight(text: str, query: str = "") -> Markup:
    """`text` escaped, with the words the search `query` matched marked."""
    return highlight.highlighted(text or "", query or "")


def datong_abstract(notes: str, query: str = "", length: int = ABSTRACT_LENGTH) -> Markup:
    """An entry's abstract as plain text (Markdown removed), cut to `length` characters around
    the first matched word, with the matched words marked."""
    plain = tk.h.markdown_extract(notes or "", extract_length=0)
    return highlight.excerpt(str(plain), query or "", length)


def datong_popularity(package: dict[str, Any]) -> dict[str, int]:
    """An entry's page views and downloads (all time, and recent), from the entry dict or, for
    a dict without them, as last counted."""
    if popularity.VIEWS not in package or popularity.DOWNLOADS not in package:
        package = {**package, **popularity.summaries([package["id"]])[package["id"]]}
    views, downloads = package[popularity.VIEWS], package[popularity.DOWNLOADS]
    return {"views": views.get("total", 0), "views_recent": views.get("recent", 0),
            "downloads": downloads.get("total", 0), "downloads_recent": downloads.get("recent", 0)}
