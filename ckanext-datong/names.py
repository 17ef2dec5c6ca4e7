"""Readable, stable, unique URL names for Chinese titles.

CKAN's munge functions drop every non-Latin character, so a Chinese title would give an
empty or meaningless slug. Here a title is segmented into words (rjieba), each word is
written in toneless pinyin (pypinyin) and the words are joined by hyphens:
大同市公交线路信息 → datongshi-gongjiao-xianlu-xinxi. Latin letters and digits are kept.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

import rjieba
from pypinyin import Style, lazy_pinyin

from ckanext.datong import locks

MAX_LENGTH = 90  # CKAN allows 100; room is left for a "-NN" suffix
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str = "entry") -> str:
    """The pinyin slug of `text`, at most MAX_LENGTH characters, cut at a word boundary."""
    words: list[str] = []
    for word in rjieba.cut(unicodedata.normalize("NFKC", text or "")):
        spelled = "".join(lazy_pinyin(word, style=Style.NORMAL, errors="default")).lower()
        spelled = _NOT_SLUG.sub("-", spelled).strip("-")
        if spelled:
            words.append(spelled)
    result = ""
    for word in words:
        candidate = f"{result}-{word}" if result else word
        if len(candidate) > MAX_LENGTH:
            break
        result = candidate
    if len(result) < 2:
        result = fallback
    return result


def unique(base: str, taken: Callable[[str], bool], claim: Callable[[str], bool] = lambda name: True) -> str:
    """`base`, or `base-2`, `base-3` … : the first one that `claim` gets (a name claimed by a
    concurrent writer is passed over) and then `taken` says is free."""
    candidate, number = base, 1
    while not claim(candidate) or taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def generated(title: str, fallback: str, taken: Callable[[str], bool]) -> str:
    """A unique URL name made from `title` (`fallback` when it gives no slug). Concurrent
    transactions (two harvest fetch consumers) creating entries of one title never wait for
    each other: each claims its name until it commits, and the other takes the next suffix."""
    return unique(slug(title, fallback=fallback), taken,
                  lambda name: locks.claim(f"datong-url-name:{fallback}:{name}"))
