"""Turn the documents CKAN sends to Solr into rows of the embedded index."""
from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from typing import Any

from dateutil import parser as date_parser

from ckanext.datong.search.analysis import index_tokens
from ckanext.datong.search.fields import FieldType, NOT_INDEXED, copied_to_text, field_type

# Weights of lexemes by the field they came from, for ranking, after CKAN's query fields
# `name^4 title^4 tags^2 groups^2 text` (A is the heaviest, D the default).
_WEIGHTS = {"name": "A", "title": "A", "tags": "B", "groups": "B"}
_RANK = {"": -1, "D": 0, "C": 1, "B": 2, "A": 3}
_MAX_POSITION = 16383          # PostgreSQL's limit on tsvector positions
_MAX_POSITIONS_PER_LEXEME = 256
_VALUE_GAP = 100               # schema.xml's positionIncrementGap: no phrase spans two values
_MAX_TERM_LENGTH = 1000        # longer string values are stored but not filterable
TEXT_PREFIX_SEPARATOR = ":"    # fielded lexemes are "<field>:<token>"; tokens never hold ":"
# Integer fields of schema.xml kept as columns of datong_search_doc for sorting.
INT_COLUMNS = ("views_total", "views_recent", "resources_accessed_total", "resources_accessed_recent")


@dataclasses.dataclass
class IndexRow:
    """One row of datong_search_doc plus its exact terms."""
    index_id: str
    id: str
    name: str | None
    site_id: str
    entity_type: str | None
    dataset_type: str | None
    state: str | None
    capacity: str | None
    permission_labels: list[str]
    metadata_created: datetime.datetime | None
    metadata_modified: datetime.datetime | None
    title_string: str | None
    views_total: int
    views_recent: int
    resources_accessed_total: int
    resources_accessed_recent: int
    search_vector: str
    rank_vector: str
    doc: dict[str, Any]
    terms: set[tuple[str, str]]


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return [v for v in value if v is not None] if isinstance(value, (list, tuple)) else [value]


def parse_date(value: Any) -> datetime.datetime | None:
    """A Solr date string (…Z) as an aware datetime; None for anything unparsable."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    try:
        parsed = date_parser.isoparse(str(value))
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def date_term(value: datetime.datetime) -> str:
    """The sortable text form in which date values are kept in the term table."""
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _VectorBuilder:
    """Collects lexemes with positions and weights and renders a tsvector literal."""

    def __init__(self) -> None:
        self._lexemes: dict[str, dict[int, str]] = defaultdict(dict)
        self._next_start = {"": 0}

    def add(self, text: str, weight: str, prefix: str) -> None:
        start = self._next_start.get(prefix, 0)
        last = start
        for token, position in index_tokens(text):
            pos = min(start + position, _MAX_POSITION)
            positions = self._lexemes[prefix + token]
            if len(positions) < _MAX_POSITIONS_PER_LEXEME and _RANK[weight] > _RANK[positions.get(pos, "")]:
                positions[pos] = weight
            last = max(last, pos)
        self._next_start[prefix] = last + _VALUE_GAP

    def literal(self) -> str:
        def quote(lexeme: str) -> str:
            return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"

        return " ".join(
            quote(lexeme) + ":" + ",".join(
                f"{pos}{'' if weight == 'D' else weight}" for pos, weight in sorted(positions.items()))
            for lexeme, positions in self._lexemes.items())


def build_row(doc: dict[str, Any]) -> IndexRow:
    """Index one CKAN document: columns for the hot filters, lexemes, exact terms."""
    vector = _VectorBuilder()
    ranking = _VectorBuilder()  # only the boosted fields: small enough to rank thousands fast
    terms: set[tuple[str, str]] = set()
    for field, value in doc.items():
        if field in NOT_INDEXED:
            continue
        values = _values(value)
        kind = field_type(field)
        for item in values:
            if kind is FieldType.TEXT and field != "text":
                vector.add(str(item), "D", field + TEXT_PREFIX_SEPARATOR)
            elif kind is FieldType.DATE:
                parsed = parse_date(item)
                if parsed is not None:
                    terms.add((field, date_term(parsed)))
            elif not isinstance(item, (dict, list)) and len(str(item)) <= _MAX_TERM_LENGTH:
                terms.add((field, _string_value(item)))
            if copied_to_text(field) or field == "text":
                vector.add(str(item), _WEIGHTS.get(field, "D"), "")
            if field in _WEIGHTS:
                ranking.add(str(item), _WEIGHTS[field], "")
    return IndexRow(
        index_id=doc["index_id"],
        id=doc["id"],
        name=doc.get("name"),
        site_id=doc["site_id"],
        entity_type=doc.get("entity_type"),
        dataset_type=doc.get("dataset_type"),
        state=doc.get("state"),
        capacity=doc.get("capacity"),
        permission_labels=[str(v) for v in _values(doc.get("permission_labels"))],
        metadata_created=parse_date(doc["metadata_created"]) if doc.get("metadata_created") else None,
        metadata_modified=parse_date(doc["metadata_modified"]) if doc.get("metadata_modified") else None,
        title_string=doc.get("title_string"),
        **{name: _int_value(doc.get(name)) for name in INT_COLUMNS},
        search_vector=vector.literal(),
        rank_vector=ranking.literal(),
        doc=doc,
        terms=terms,
    )


def _int_value(value: Any) -> int:
    """An integer sort field's value; 0 when missing or not a number (Solr would refuse it)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _string_value(item: Any) -> str:
    """Solr's string form of a scalar (booleans as true/false)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)
