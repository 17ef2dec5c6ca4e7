"""Text analysis shared by indexing and querying: Chinese word segmentation (rjieba),
lower-casing and English stemming (Snowball, as CKAN's `text` field type does)."""
from __future__ import annotations

import bisect
import unicodedata
from functools import lru_cache

import rjieba
import snowballstemmer

_stemmer = snowballstemmer.stemmer("english")


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


@lru_cache(maxsize=65536)
def normalize(token: str) -> str:
    """Fold case; stem Latin words (text is NFKC-normalized before segmentation)."""
    token = token.lower()
    if token.isascii() and token.isalpha():
        return _stemmer.stemWord(token)
    return token


def _split_word(word: str) -> list[str]:
    """Split a segmenter token on any punctuation it kept (e.g. e-mail addresses, URLs)."""
    parts, current = [], []
    for char in word:
        if _is_word_char(char):
            current.append(char)
        elif current:
            parts.append("".join(current))
            current = []
    if current:
        parts.append("".join(current))
    return parts


def index_tokens(text: str) -> list[tuple[str, int]]:
    """(token, position) pairs for indexing.

    Positions count the words of the precise segmentation; the finer words that search-mode
    segmentation adds inside a longer word (公交 and 线路 inside 公交线路) share its position,
    so both the long word and its parts are found, and phrases of precise words still match.
    """
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
    return tokens


def query_tokens(text: str) -> list[str]:
    """Tokens of a query term, in order (precise segmentation)."""
    text = unicodedata.normalize("NFKC", text)
    return [normalize(part) for word in rjieba.cut(text) for part in _split_word(word)]
