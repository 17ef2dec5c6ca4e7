"""CKAN's Atom feeds (/feeds/…) in Chinese and Beijing time: entry times carry +08:00, the
feed is marked zh-CN, and CKAN's fixed English titles and descriptions are written in
Chinese (CKAN builds them without translation)."""
from __future__ import annotations

import re
from typing import Any, Optional

from ckan.views.feed import CKANFeed

from ckanext.datong import clock

_WORDING = (
    (re.compile(r'^Recently created or updated datasets on (.+) by tag: "(.*)"$'),
     r"\1标签“\2”下最近新建或更新的数据集"),
    (re.compile(r'^Recently created or updated datasets on (.+) by organization: "(.*)"$'),
     r"\1部门“\2”最近新建或更新的数据集"),
    (re.compile(r'^Recently created or updated datasets on (.+) by group: "(.*)"$'),
     r"\1专题“\2”下最近新建或更新的数据集"),
    (re.compile(r"^Recently created or updated datasets on (.+)$"), r"\1最近新建或更新的数据集"),
    (re.compile(r"^Recently created or updated$"), "最近新建或更新的数据集"),
    (re.compile(r'^(.+) - Tag: "(.*)"$'), r"\1 - 标签：\2"),
    (re.compile(r'^(.+) - Organization: "(.*)"$'), r"\1 - 部门：\2"),
    (re.compile(r'^(.+) - Group: "(.*)"$'), r"\1 - 专题：\2"),
    (re.compile(r"^(.+) - Custom query$"), r"\1 - 自定义检索"),
)


def chinese_wording(text: str) -> str:
    """CKAN's English feed title or description in Chinese (other text unchanged)."""
    for pattern, replacement in _WORDING:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


class DatongFeed(CKANFeed):
    """CKAN's Atom feed with Chinese wording and times in Beijing time."""

    def __init__(self, feed_title: str, feed_link: str, feed_description: str,
                 language: Optional[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(chinese_wording(feed_title), feed_link, chinese_wording(feed_description),
                         "zh-CN", *args, **kwargs)
        self.updated(clock.now())

    def add_item(self, **kwargs: Any) -> None:
        for key in ("published", "updated"):
            if kwargs.get(key):
                kwargs[key] = clock.beijing(kwargs[key])
        super().add_item(**kwargs)
