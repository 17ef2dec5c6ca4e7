"""Field types of CKAN's Solr schema (ckan/config/solr/schema.xml), mirrored for the embedded index.

Text fields are analysed (segmented, lower-cased, stemmed) and matched word by word; string
fields match whole values exactly; date fields compare as instants. The catch-all `text`
field receives copies of the fields listed in COPIED_TO_TEXT, as schema.xml's copyField does.
"""
from __future__ import annotations

import enum


class FieldType(enum.Enum):
    TEXT = "text"
    STRING = "string"
    DATE = "date"


TEXT_FIELDS = frozenset({
    "title", "notes", "text", "urls", "author", "author_email", "maintainer",
    "maintainer_email", "res_name", "res_description", "title_ngram", "name_ngram",
    "depends_on", "dependency_of", "derives_from", "has_derivation", "links_to",
    "linked_from", "child_of", "parent_of",
})
DATE_FIELDS = frozenset({"metadata_created", "metadata_modified", "indexed_ts"})
TEXT_PREFIXES = ("extras_", "res_extras_")

# schema.xml's copyField sources for `text` (urls itself gathers url, ckan_url, download_url, res_url).
COPIED_TO_TEXT = frozenset({
    "name", "title", "notes", "tags", "groups", "organization", "license", "res_name",
    "res_description", "maintainer", "author", "url", "ckan_url", "download_url", "res_url",
})
COPIED_PREFIXES = ("extras_", "res_extras_", "vocab_")

# Stored by CKAN for its own use, never searched.
NOT_INDEXED = frozenset({"data_dict", "validated_data_dict", "_version_"})


def field_type(name: str) -> FieldType:
    """The type schema.xml gives `name`, dynamic fields included."""
    if name in TEXT_FIELDS or name.startswith(TEXT_PREFIXES):
        return FieldType.TEXT
    if name in DATE_FIELDS or name.endswith("_date"):
        return FieldType.DATE
    return FieldType.STRING


def copied_to_text(name: str) -> bool:
    """Whether schema.xml copies `name` into the catch-all `text` field."""
    return name in COPIED_TO_TEXT or name.startswith(COPIED_PREFIXES)
