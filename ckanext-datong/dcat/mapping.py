"""The mappings of schemas/dcat.yaml: vocabulary values to EU vocabulary IRIs, formats to EU
file types and IANA media types, checksum algorithms to SPDX."""
from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import re
from typing import Any, Optional

import yaml
from rdflib import URIRef

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
SPDX_ALGORITHM = "http://spdx.org/rdf/terms#checksumAlgorithm_"
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
HEX = re.compile(r"^[0-9a-fA-F]+$")


@functools.lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """schemas/dcat.yaml, parsed once."""
    text = (importlib.resources.files("ckanext.datong.schemas") / "dcat.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def eu(vocabulary: str, code: str) -> URIRef:
    """The IRI of `code` in the EU table `vocabulary` (e.g. frequency/DAILY)."""
    return URIRef(f"{EU}{vocabulary}/{code}")


def language() -> URIRef:
    return eu("language", table()["language"])


def access_right(open_type: Any) -> Optional[URIRef]:
    code = table()["access_rights"].get(open_type)
    return eu("access-right", code) if code else None


def frequency(update_frequency: Any) -> Optional[URIRef]:
    code = table()["frequencies"].get(update_frequency)
    return eu("frequency", code) if code else None


def data_theme(vocabulary: str, value: Any) -> Optional[tuple[URIRef, str]]:
    """The nearest EU data theme of a 主题 (`themes`) or 行业领域 (`industry_domains`) value,
    with its English label."""
    code = table()[vocabulary].get(value)
    return (eu("data-theme", code), table()["data_theme_labels"][code]) if code else None


@dataclasses.dataclass(frozen=True)
class Format:
    """What a resource's 文件格式 label stands for."""

    file_type: Optional[URIRef]
    media_type: Optional[URIRef]
    service: bool


NO_FORMAT = Format(None, None, False)


def media_type(value: Any) -> Optional[URIRef]:
    """The IANA IRI of a media type such as text/csv (parameters dropped); None if malformed."""
    text = str(value or "").split(";", 1)[0].strip().lower()
    return URIRef(IANA + text) if MEDIA_TYPE.match(text) else None


@functools.lru_cache(maxsize=1)
def _formats() -> dict[str, Format]:
    found: dict[str, Format] = {}
    for row in table()["formats"]:
        known = Format(eu("file-type", row["file_type"]) if row.get("file_type") else None,
                       media_type(row["media_type"]) if row.get("media_type") else None,
                       bool(row.get("service")))
        for label in row["labels"]:
            found[str(label).strip().upper()] = known
    return found


def file_format(label: Any, mimetype: Any = None) -> Format:
    """The format of a resource from its label (any case, Chinese labels included); its own
    mimetype, when valid, is the media type. A service has no media type."""
    known = _formats().get(str(label or "").strip().lstrip(".").upper(), NO_FORMAT)
    own = None if known.service else media_type(mimetype)
    return dataclasses.replace(known, media_type=own or known.media_type)


def checksum_algorithm(value: Any, algorithm: Any = None) -> Optional[URIRef]:
    """The SPDX algorithm of a hex hash: named by `algorithm`, else by the hash's length.
    None when the hash is not hex or its algorithm has no SPDX name."""
    text = str(value or "").strip()
    if not text or not HEX.match(text):
        return None
    if algorithm:
        name = table()["checksum_algorithms"].get(re.sub(r"[-_\s]", "", str(algorithm)).lower())
    else:
        name = table()["checksum_lengths"].get(len(text))
    return URIRef(SPDX_ALGORITHM + name) if name else None
