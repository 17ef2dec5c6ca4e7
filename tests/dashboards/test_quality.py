"""The quality score's formula (dashboards/quality.py, docs/dashboards.md) as pure functions."""
from __future__ import annotations

import pytest

from ckanext.datong.dashboards import quality


def test_weights_sum_to_one() -> None:
    assert sum(quality.WEIGHTS.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("filled, required, items, expected", [
    (10, 10, True, 1.0), (10, 10, False, 10 / 11), (9, 10, True, 10 / 11), (0, 10, False, 0.0)])
def test_completeness(filled: int, required: int, items: bool, expected: float) -> None:
    assert quality.completeness(filled, required, items) == pytest.approx(expected)


def test_components() -> None:
    assert (quality.timeliness(False), quality.timeliness(True), quality.timeliness(None)) == (1.0, 0.0, 0.5)
    assert [quality.openness(v) for v in ("无条件开放", "有条件开放", "不予开放", "")] == [1.0, 0.5, 0.0, 0.0]
    assert quality.format_value(attached=True, open_format=True) == 1.0
    assert quality.format_value(attached=True, open_format=False) == 0.5
    assert quality.format_value(attached=False, open_format=False) == 0.0


@pytest.mark.parametrize("parts, expected", [
    ((1, 1, 1, 1), 100.0),
    ((1, 1, 0.5, 1), 87.5),         # 有条件开放, open format, on time
    ((1, 0, 1, 1), 75.0),           # late
    ((1, 0.5, 1, 1), 87.5),         # 不定期
    ((1, 1, 0, 0), 55.0),           # 不予开放, nothing attached
    ((10 / 11, 0.5, 1, 0.5), 74.8),  # no 信息项, 不定期, a PDF
])
def test_score(parts: tuple[float, float, float, float], expected: float) -> None:
    assert quality.score(*parts) == expected


def test_high_quality_needs_the_threshold_and_completeness() -> None:
    assert quality.THRESHOLD == 80.0
    assert quality.high_quality(80.0, True)
    assert not quality.high_quality(79.9, True)
    assert not quality.high_quality(100.0, False)


def test_open_formats_are_machine_readable() -> None:
    assert {"CSV", "JSON", "XML", "API"} <= quality.OPEN_FORMATS
    assert not {"PDF", "DOC", "XLS", "JPG"} & quality.OPEN_FORMATS
