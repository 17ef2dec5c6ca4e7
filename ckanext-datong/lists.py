"""Multi-valued catalog fields (主题, 共享方式, 关联代码 …) as people and programs write them:
a list, a JSON list, or text separated by 、 , ， ; ； or new lines. Stored as JSON lists and
written out joined by 、 (the workbook)."""
from __future__ import annotations

import json
import re
from typing import Any, Optional

SEPARATOR = "、"
SEPARATORS = re.compile(r"[、,，;；\n]+")


def split(text: str) -> list[str]:
    """The non-empty parts of separated text."""
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def parsed(value: Any) -> Optional[list[str]]:
    """The values of a list, a JSON list or separated text, as stripped text; empty for an
    empty value; None when `value` is none of these (a dict, malformed JSON …)."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            return split(text)
        try:
            value = json.loads(text)
        except ValueError:
            return None
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None
