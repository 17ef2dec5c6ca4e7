"""The quality score of a catalog entry (0-100) and what counts as a high-quality dataset
(高质量数据集), as pure functions (docs/dashboards.md):

    score = 100 × (0.30 × completeness + 0.25 × timeliness + 0.25 × openness + 0.20 × format)

- completeness: the share of the schema's required fields filled, 信息项 counted as one more
  required part (complete when there is at least one and each has its required subfields);
- timeliness: 1 updated within its 更新周期, 0 late, 0.5 不定期 (not judged);
- openness: 1 无条件开放, 0.5 有条件开放, 0 不予开放 (or unknown);
- format: 1 a machine-readable open format (OPEN_FORMATS) or a DataStore table / API,
  0.5 only other files, 0 nothing attached.

High quality: a score of at least THRESHOLD with every required field and the 信息项 complete.
"""
from __future__ import annotations

WEIGHTS = {"completeness": 0.30, "timeliness": 0.25, "openness": 0.25, "format": 0.20}
THRESHOLD = 80.0
OPEN_FORMATS = frozenset({"CSV", "TSV", "JSON", "GEOJSON", "JSON-LD", "JSONLD", "XML", "RDF",
                          "TTL", "XLSX", "ODS", "API"})
"""Resource formats (upper case) that are machine-readable and open."""
OPENNESS = {"无条件开放": 1.0, "有条件开放": 0.5, "不予开放": 0.0}


def completeness(filled: int, required: int, items_complete: bool) -> float:
    """Share of the required parts filled: `filled` of `required` fields, plus the 信息项."""
    return (filled + int(items_complete)) / (required + 1)


def timeliness(late: bool | None) -> float:
    """1 on time, 0 late, 0.5 不定期 (not judged)."""
    return 0.5 if late is None else (0.0 if late else 1.0)


def openness(open_type: str) -> float:
    return OPENNESS.get(open_type, 0.0)


def format_value(attached: bool, open_format: bool) -> float:
    """1 an open machine-readable format or API, 0.5 other files only, 0 nothing attached."""
    if open_format:
        return 1.0
    return 0.5 if attached else 0.0


def score(completeness_value: float, timeliness_value: float, openness_value: float,
          format_score: float) -> float:
    """The weighted score, 0-100, rounded to one decimal."""
    total = (WEIGHTS["completeness"] * completeness_value + WEIGHTS["timeliness"] * timeliness_value
             + WEIGHTS["openness"] * openness_value + WEIGHTS["format"] * format_score)
    return round(100 * total, 1)


def high_quality(score_value: float, complete: bool) -> bool:
    """A high-quality dataset: complete, and scoring at least THRESHOLD."""
    return complete and score_value >= THRESHOLD
