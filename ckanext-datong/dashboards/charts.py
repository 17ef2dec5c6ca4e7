"""Bar charts as inline SVG, drawn on the server (no script, no external service): one bar per
table row with its label and value written as text, a <title> and a <desc> for screen
readers, and role="img" with aria-labelledby."""
from __future__ import annotations

import itertools
from typing import Any, Optional

from markupsafe import Markup, escape

from ckanext.datong.dashboards.tables import Table

ROW_HEIGHT = 22
LABEL_WIDTH = 180
BAR_WIDTH = 360
VALUE_WIDTH = 70
MAX_BARS = 40
_ids = itertools.count(1)


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def bar_chart(table: Table) -> Markup:
    """The table's chart (its `chart` columns) as SVG markup; empty when it has none or no row
    has a figure. Rows beyond MAX_BARS are left out and the description says so."""
    if not table.chart:
        return Markup("")
    label_column, value_column = table.chart
    bars = [(str(row[label_column]), _number(row[value_column])) for row in table.rows]
    bars = [(label, value) for label, value in bars if value is not None]
    if not bars:
        return Markup("")
    shown = bars[:MAX_BARS]
    highest = max(value for _, value in shown) or 1.0
    number = next(_ids)
    title_id, desc_id = f"datong-chart-{number}-title", f"datong-chart-{number}-desc"
    measure = table.columns[value_column]
    description = f"{table.title}：按{table.columns[label_column]}的{measure}" + (
        f"（仅显示前{MAX_BARS}项，共{len(bars)}项，完整数据见表格）" if len(bars) > MAX_BARS else "")
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = ROW_HEIGHT * len(shown) + 8
    parts = [
        f'<svg class="datong-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(table.title)}：{escape(measure)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(shown):
        y = 4 + index * ROW_HEIGHT
        length = round(BAR_WIDTH * value / highest) if value > 0 else 0
        parts.append(
            f'<g class="datong-chart-bar"><text x="{LABEL_WIDTH - 6}" y="{y + 15}" '
            f'text-anchor="end">{escape(label[:16])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" height="{ROW_HEIGHT - 6}">'
            f'<title>{escape(label)}：{_text(value)}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 15}">{_text(value)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
