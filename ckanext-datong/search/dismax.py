"""Compile a DisMax query (what CKAN sends for plain text, with no `:`) into SQL.

DisMax syntax is only clauses separated by spaces, `"phrases"`, `+required` and `-excluded`;
everything else is literal text, and unbalanced quotes are dropped, as Solr does. Each
clause must match one of the query fields `qf`; the optional clauses must match at least as
many as the minimum-match spec `mm` (CKAN: `2<-1 5<80%`) asks.
"""
from __future__ import annotations

import dataclasses

from ckanext.datong.search.analysis import query_tokens
from ckanext.datong.search.errors import bad_request
from ckanext.datong.search.fields import FieldType, copied_to_text, field_type
from ckanext.datong.search.lucene import STRING_COLUMNS, Compiled, LuceneCompiler, text_tsquery


@dataclasses.dataclass
class Clause:
    text: str
    phrase: bool
    occur: str  # "+", "-" or ""


def split_clauses(query: str) -> list[Clause]:
    """Clauses of a DisMax query, scanning once; an unbalanced quote is ignored."""
    clauses: list[Clause] = []
    balanced = query.count('"') % 2 == 0
    i, n = 0, len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        occur = ""
        if query[i] in "+-" and i + 1 < n and not query[i + 1].isspace():
            occur, i = query[i], i + 1
        if query[i] == '"' and balanced:
            end = query.index('"', i + 1)
            clauses.append(Clause(query[i + 1:end], True, occur))
            i = end + 1
            continue
        start = i
        while i < n and not query[i].isspace() and not (query[i] == '"' and balanced):
            i += 1
        text = query[start:i].replace('"', "")
        if text:
            clauses.append(Clause(text, False, occur))
    return clauses


def parse_fields(qf: str) -> list[str]:
    """The field names of a `qf` list such as `name^4 title^4 text` (boosts are for ranking)."""
    return [part.split("^", 1)[0] for part in qf.split() if part.split("^", 1)[0]]


def minimum_match(spec: str, optional: int) -> int:
    """How many of `optional` clauses Solr's `mm` spec requires (at least one)."""
    def value(expression: str) -> int:
        try:
            if expression.endswith("%"):
                percent = int(expression[:-1])
                count = optional * abs(percent) // 100
                return count if percent >= 0 else optional - count
            number = int(expression)
        except ValueError as error:
            raise bad_request(f"invalid mm (minimum should match) value '{spec}'") from error
        return number if number >= 0 else optional + number

    required = optional
    conditions = spec.split()
    if len(conditions) == 1 and "<" not in conditions[0]:
        required = value(conditions[0])
    else:
        for condition in conditions:
            threshold, _, expression = condition.partition("<")
            try:
                applies = optional > int(threshold)
            except ValueError as error:
                raise bad_request(f"invalid mm (minimum should match) value '{spec}'") from error
            if applies:
                required = value(expression)
    return max(1, min(optional, required))


class DismaxCompiler(LuceneCompiler):
    def __init__(self, qf: str, mm: str) -> None:
        super().__init__()
        self.fields = parse_fields(qf) or ["text"]
        self.mm = mm

    def compile(self, query: str) -> Compiled:
        clauses = split_clauses(query)
        required, optional, excluded = [], [], []
        for clause in clauses:
            if clause.occur == "-":
                self._unranked += 1
                excluded.append(self.clause(clause))
                self._unranked -= 1
            else:
                (required if clause.occur == "+" else optional).append(self.clause(clause))
                if {"title", "text"} & set(self.fields):
                    self.title_words.extend(w for w in dict.fromkeys(query_tokens(clause.text))
                                            if w not in self.title_words)
        parts = list(required)
        if optional:
            needed = minimum_match(self.mm, len(optional))
            if needed == len(optional):
                parts.extend(optional)
            else:
                parts.append("(" + " OR ".join(optional) + ")")  # lets the GIN index narrow
                parts.append("(" + " + ".join(f"({c})::int" for c in optional) + f") >= {needed}")
        parts.extend(f"NOT {sql}" for sql in excluded)
        return Compiled("(" + " AND ".join(parts or ["FALSE"]) + ")", self.params, self.rank_queries)

    def clause(self, clause: Clause) -> str:
        """One clause against every query field: text fields in one tsquery, strings exact."""
        tsqueries = [q for q in (text_tsquery(f, clause.text, clause.phrase) for f in self.fields
                                 if field_type(f) is FieldType.TEXT) if q]
        alternatives = []
        if tsqueries:
            alternatives.append(self.text_match(" | ".join(f"({q})" for q in tsqueries)))
        for name in self.fields:
            # A string field that schema.xml copies into `text` is matched by `text` already;
            # testing it apart would only stop PostgreSQL from using the text index.
            if field_type(name) is FieldType.STRING and not ("text" in self.fields and copied_to_text(name)):
                if name in STRING_COLUMNS:
                    alternatives.append(f"d.{name} = {self.bind(clause.text)}")
                else:
                    alternatives.append(self.term_rows(name, [("value =", clause.text)]))
        return "(" + " OR ".join(alternatives or ["FALSE"]) + ")"
