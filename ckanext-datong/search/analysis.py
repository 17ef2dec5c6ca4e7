"""Text analysis shared by indexing and querying: Chinese word segmentation (rjieba),
lower-casing and English stemming (Snowball, as CKAN's `text` field type does)."""
from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

import rjieba
import snowballstemmer

_stemmer = snowballstemmer.stemmer("english")


_WORD_PART = re.compile(r"[^\W_]+")
"""A run of letters and digits (Unicode categories L and N, as str.isalnum sees them)."""


@lru_cache(maxsize=65536)
def normalize(token: str) -> str:
    """Fold case; stem Latin words (text is NFKC-normalized before segmentation)."""
    token = token.lower()
    if token.isascii() and token.isalpha():
        return _stemmer.stemWord(token)
    return token


def _split_word(word: str) -> list[str]:
    """Split a segmenter token on any punctuation it kept (e.g. e-mail addresses, URLs)."""
    return [word] if word.isalnum() else _WORD_PART.findall(word)


_CACHED_TEXT_LENGTH = 160
"""Texts up to this length are segmented once per process (`index_tokens`); longer ones,
descriptions mostly, seldom repeat and would make the cache large."""


def index_tokens(text: str) -> tuple[tuple[str, int], ...]:
    """(token, position) pairs for indexing.

    Positions count the words of the precise segmentation; the finer words that search-mode
    segmentation adds inside a longer word (公交 and 线路 inside 公交线路) share its position,
    so both the long word and its parts are found, and phrases of precise words still match.
    Short texts come from a cache: one document holds the same text in several fields (a
    field and its copy into the full text, the title in the ranking vector) and many
    documents share values (departments, formats, cycles).
    """
    return _cached_tokens(text) if len(text) <= _CACHED_TEXT_LENGTH else _tokens(text)


@lru_cache(maxsize=4096)
def _cached_tokens(text: str) -> tuple[tuple[str, int], ...]:
    return _tokens(text)


def _tokens(text: str) -> tuple[tuple[str, int], ...]:
    text = unicodedata.normalize("NFKC", text)
    tokens: list[tuple[str, int]] = []
    starts: list[int] = []
    ends: list[int] = []
    offset = 0
    for word in rjieba.cut(text):
        parts = _split_word(word)
        if parts:
            starts.append(offset)
            ends.append(offset + len(word))
            tokens.extend((normalize(part), len(starts)) for part in parts)
        offset += len(word)
    for word, start, end in rjieba.tokenize(text, mode="search"):
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or end > ends[i] or (start, end) == (starts[i], ends[i]):
            continue
        tokens.extend((normalize(part), i + 1) for part in _split_word(word))
    return tuple(tokens)


def query_tokens(text: str) -> list[str]:
    """Tokens of a query term, in order (precise segmentation)."""
    text = unicodedata.normalize("NFKC", text)
    return [normalize(part) for word in rjieba.cut(text) for part in _split_word(word)]
