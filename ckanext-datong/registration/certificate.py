"""The registration certificate as a PDF (reportlab, with its built-in CID font STSong-Light:
no font file to ship; PDF readers supply the Song face). Made from the record as the reader
may see it (registration.dictize), so it names the linked entry only for those who may see it."""
from __future__ import annotations

import datetime
import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ckanext.datong import clock

FONT = "STSong-Light"
TITLE = "数据资产登记证书"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def validity(content: dict[str, Any]) -> str:
    """有效期 as Chinese dates."""
    if not (content.get("valid_from") and content.get("valid_until")):
        return ""
    day = datetime.date.fromisoformat
    return (f"{clock.chinese_date(day(content['valid_from']))}至"
            f"{clock.chinese_date(day(content['valid_until']))}")


def fields(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The certificate's rows (label, value), shared by the page and the PDF."""
    content, seen = record["content"], record.get("entry")
    entry = (f"{seen['title']}（信息资源代码 {content.get('catalog_code') or '未填写'}）"
             if seen else record.get("entry_note") or "")
    rows = [
        ("登记编号", record.get("code") or "尚未赋码"), ("申请编号", record["number"]),
        ("登记状态", record["state_label"]), ("登记类型", record["reg_type_label"]),
        ("当前版本", f"第{record['version']}版"), ("登记对象", content.get("object", "")),
        ("登记名称", content.get("name", "")), ("摘要", content.get("summary", "")),
        ("来源与合法性依据", content.get("source_basis", "")),
        ("数据资源持有权人", content.get("holder_resource", "")),
        ("数据加工使用权人", content.get("holder_processing", "")),
        ("数据产品经营权人", content.get("holder_operation", "")),
        ("登记单位", content.get("org_title", "")), ("关联数据目录", entry),
    ]
    if content.get("grade"):
        rows.append(("数据分级", content["grade"]))
    rows += [
        ("数据规模", content.get("scale", "")), ("数据格式", content.get("data_format", "")),
        ("有效期", validity(content)),
        ("赋码时间", clock.beijing_text(record["issued"]) if record.get("issued") else "尚未赋码"),
        ("当前版本哈希（SM3）", record.get("head_hash", "")),
    ]
    return rows


def pdf(record: dict[str, Any], verify_url: str) -> bytes:
    """The certificate of `record` (dictize.registration, with history) as PDF bytes."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
    heading = ParagraphStyle("heading", parent=body, fontSize=20, leading=28, alignment=1)
    subheading = ParagraphStyle("subheading", parent=body, fontSize=13, leading=20)
    text = lambda value, style=body: Paragraph(escape(str(value)), style)  # noqa: E731
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)])
    story: list[Any] = [text(TITLE, heading), Spacer(1, 6 * mm)]
    story.append(Table([[text(label), text(value, small if "哈希" in label else body)]
                        for label, value in fields(record)],
                       colWidths=(42 * mm, 128 * mm), style=grid))
    story += [Spacer(1, 6 * mm), text("登记历史", subheading)]
    history = [[text(head, small) for head in ("序号", "时间（北京时间）", "事项", "状态", "版本", "哈希（SM3）")]]
    history += [[text(row["record_seq"], small), text(clock.beijing_text(row["occurred"]), small),
                 text(row["event_label"], small), text(row["state_label"], small),
                 text(f"第{row['version']}版", small), text(row["hash"], small)]
                for row in record.get("history") or []]
    story.append(Table(history, colWidths=(10 * mm, 32 * mm, 38 * mm, 20 * mm, 14 * mm, 56 * mm),
                       style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                         ("VALIGN", (0, 0), (-1, -1), "TOP")])))
    story += [Spacer(1, 6 * mm),
              text(f"本证书的真实性可在 {verify_url} 校验：平台按国密SM3重新计算整个登记簿的哈希链。", small)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"{TITLE} {record.get('code') or record['number']}",
                      leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm).build(story)
    return buffer.getvalue()
