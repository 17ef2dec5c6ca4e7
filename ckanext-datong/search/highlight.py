"""Highlighting the words a search matched in a result's title and abstract.

The query's words are found by the index's own analysis (analysis.py: rjieba segmentation,
case folding, stemming), so a word is marked exactly where the search could have matched it:
公交 inside 大同市公交线路, Bus in "Buses". Highlighting works on plain text and escapes every
piece it returns, so markup in a title (or a `<script>`) is shown as text and a mark never
lands inside a tag.
"""
from __future__ import annotations

import unicodedata
from typing import Iterator

import rjieba
from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser
from markupsafe import Markup, escape

from ckanext.datong.search.analysis import normalize, query_tokens
from ckanext.datong.search.lucene import unescape

MARK = Markup('<mark class="datong-hit">{}</mark>')
_OPERATORS = {"and", "or", "not", "to"}
# Fields whose values are text a title or abstract could show (Lucene `field:value` queries).
_TEXT_FIELDS = {"text", "title", "notes"}


def _query_terms(query: str) -> Iterator[str]:
    """The free-text parts of a query: every term of a Lucene query outside fields other than
    the text ones, or the whole text of a plain query."""
    if ":" not in query:
        yield query
        return
    try:
        parsed = parser.parse(query)
    except (ParseError, ValueError, TypeError, RecursionError):
        yield query
        return

    def walk(node: tree.Item, field: str | None) -> Iterator[str]:
        if isinstance(node, tree.SearchField):
            field = node.name
        if isinstance(node, (tree.Word, tree.Phrase)) and (field is None or field in _TEXT_FIELDS):
            yield unescape(node.value.strip('"'))
        for child in node.children:
            yield from walk(child, field)

    yield from walk(parsed, None)


def query_words(query: str) -> frozenset[str]:
    """The analysed words of a search query (operators and punctuation left out)."""
    return frozenset(token for term in _query_terms(query or "") for token in query_tokens(term)
                     if token not in _OPERATORS and token != "*")


def _normalized(text: str) -> tuple[str, list[int]]:
    """`text` NFKC-normalized as the index sees it, with the offset in `text` of each of its
    characters."""
    chars, origin = [], []
    for offset, char in enumerate(text):
        for normal in unicodedata.normalize("NFKC", char):
            chars.append(normal)
            origin.append(offset)
    return "".join(chars), origin


def _word_parts(word: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the runs of letters and digits in a segmenter token."""
    start = None
    for i, char in enumerate(word + " "):
        is_word = unicodedata.category(char)[0] in "LN"
        if is_word and start is None:
            start = i
        elif not is_word and start is not None:
            yield start, i
            start = None


def spans(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    """Merged (start, end) ranges of `text` holding one of the analysed `words`."""
    if not words or not text:
        return []
    normal, origin = _normalized(text)
    found = []
    for word, start, _end in rjieba.tokenize(normal, mode="search"):
        for part_start, part_end in _word_parts(word):
            if normalize(word[part_start:part_end]) in words:
                found.append((origin[start + part_start], origin[start + part_end - 1] + 1))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlighted(text: str, query: str) -> Markup:
    """`text` escaped, with the words `query` matched marked."""
    out, last = [], 0
    for start, end in spans(text, query_words(query)):
        out.append(escape(text[last:start]))
        out.append(MARK.format(text[start:end]))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def excerpt(text: str, query: str, length: int) -> Markup:
    """At most `length` characters of `text` (with … where it is cut), starting a little before
    the first matched word when that would fall outside, highlighted like `highlighted`."""
    text = " ".join(text.split())
    if len(text) <= length:
        return highlighted(text, query)
    found = spans(text, query_words(query))
    start = 0
    if found and found[0][1] > length - 1:
        start = max(0, min(found[0][0] - length // 4, len(text) - length + 1))
    end = start + length - (1 if start else 0) - (1 if start + length < len(text) else 0)
    shown = text[start:end]
    return Markup("").join((Markup("…") if start else Markup(""), highlighted(shown, query),
                            Markup("…") if end < len(text) else Markup("")))
