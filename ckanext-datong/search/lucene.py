"""Compile Lucene query syntax (parsed by luqum) into a SQL condition on datong_search_doc `d`.

Semantics follow Solr's standard parser with CKAN's settings: `q.op` decides whether bare
clauses are required, `+` requires, `-`/NOT excludes, a clause list with no required part
needs one optional part, and a purely negative list matches everything else. Field types
come from fields.py: text fields match analysed words (phrases by position, `abc*` by
prefix), string fields match whole values (wildcards by LIKE), dates compare as instants.
Every value reaches SQL as a bound parameter.
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from ckanext.datong.search import datemath
from ckanext.datong.search.analysis import query_tokens
from ckanext.datong.search.documents import TEXT_PREFIX_SEPARATOR, date_term
from ckanext.datong.search.errors import syntax_error
from ckanext.datong.search.fields import FieldType, field_type

# String fields kept as columns of datong_search_doc (the filters CKAN adds to every query).
STRING_COLUMNS = {"id", "index_id", "name", "site_id", "entity_type", "dataset_type", "state",
                  "capacity", "title_string"}
DATE_COLUMNS = {"metadata_created", "metadata_modified"}
_WILDCARDS = "*?"


def unescape(value: str) -> str:
    """Drop Lucene's backslash escapes."""
    out, escaped = [], False
    for char in value:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def has_wildcard(value: str) -> bool:
    escaped = False
    for char in value:
        if not escaped and char in _WILDCARDS:
            return True
        escaped = not escaped and char == "\\"
    return False


def like_pattern(value: str) -> str:
    """A LIKE pattern for a Lucene wildcard term (`*` any run, `?` one character)."""
    out, escaped = [], False
    for char in value:
        if escaped:
            out.append("\\" + char if char in "%_\\" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        else:
            out.append("\\" + char if char in "%_" else char)
    return "".join(out)


def tsquery_lexeme(lexeme: str, prefix: bool = False) -> str:
    quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def text_tsquery(field: str, value: str, phrase: bool, prefix_last: bool = False) -> str | None:
    """The tsquery for a text-field term: all its words, adjacent when a phrase; None if it has
    no word at all (punctuation only), which matches nothing."""
    prefix = "" if field == "text" else field + TEXT_PREFIX_SEPARATOR
    tokens = query_tokens(value)
    if not tokens:
        return None
    parts = [tsquery_lexeme(prefix + token, prefix_last and i == len(tokens) - 1)
             for i, token in enumerate(tokens)]
    return (" <-> " if phrase else " & ").join(parts)


@dataclasses.dataclass
class Compiled:
    """A SQL condition, its parameters in order, and the tsqueries that rank its matches."""
    sql: str
    params: dict[str, Any]
    rank_queries: list[str]


class LuceneCompiler:
    def __init__(self, default_field: str = "text", default_and: bool = True,
                 params: dict[str, Any] | None = None, ranked: bool = True) -> None:
        """`params` may be shared by compilers whose conditions go into one statement;
        `ranked=False` for filters, whose matches do not add to the score."""
        self.default_field = default_field
        self.default_and = default_and
        self.now = datetime.datetime.now(datetime.timezone.utc)
        self.params: dict[str, Any] = {} if params is None else params
        self.rank_queries: list[str] = []
        self.title_words: list[str] = []  # ranked words whose coverage of a title ranks it
        self._unranked = 0 if ranked else 1  # > 0 while compiling what must not rank
        self.matches_text = False  # whether the condition reads the text index
        self.fields_used: set[str] = set()  # the fields whose values the condition reads

    # entry points -------------------------------------------------------------------------

    def compile(self, query: str) -> Compiled:
        """Parse and compile one query string; pysolr.SolrError when it does not parse."""
        try:
            node = parser.parse(query)
        except (ParseError, ValueError, TypeError, RecursionError) as error:
            raise syntax_error(query, str(error)) from error
        try:
            sql = self.node(node, None)
        except (ValueError, RecursionError) as error:
            raise syntax_error(query, str(error)) from error
        return Compiled(sql, self.params, self.rank_queries)

    def bind(self, value: Any) -> str:
        """A named placeholder for `value` (psycopg2 pyformat), so fragments may be reordered."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    # tree walk ---------------------------------------------------------------------------

    def node(self, node: tree.Item, field: str | None) -> str:
        if isinstance(node, tree.SearchField):
            if field is not None:
                raise ValueError(f"nested field {node.name} inside {field}")
            return self.node(node.expr, node.name)
        if isinstance(node, (tree.Group, tree.FieldGroup)):
            return self.node(node.expr, field)
        if isinstance(node, (tree.Boost, tree.Fuzzy)):
            return self.node(node.term if isinstance(node, tree.Fuzzy) else node.expr, field)
        if isinstance(node, tree.Proximity):
            return self.term(field, node.term.value[1:-1], phrase=False)
        if isinstance(node, tree.BaseOperation) or isinstance(node, (tree.Not, tree.Prohibit, tree.Plus)):
            return self.boolean(node, field)
        if isinstance(node, tree.Range):
            return self.range(field, node)
        if isinstance(node, tree.Phrase):
            return self.term(field, unescape(node.value[1:-1]), phrase=True)
        if isinstance(node, tree.Word):
            return self.word(field, node.value)
        if isinstance(node, tree.Regex):
            raise ValueError("regular expression queries are not supported")
        raise ValueError(f"unsupported query element {node!r}")

    def boolean(self, node: tree.Item, field: str | None) -> str:
        children = list(node.children) if isinstance(node, tree.BaseOperation) else [node]
        must, should, must_not = [], [], []
        # luqum leaves the symbolic operators && and || as words between the clauses.
        symbolic_or = any(isinstance(c, tree.Word) and c.value == "||" for c in children)
        for child in children:
            if isinstance(child, tree.Word) and child.value in ("&&", "||"):
                continue
            if isinstance(child, (tree.Not, tree.Prohibit)):
                self._unranked += 1
                must_not.append(self.node(child.a, field))
                self._unranked -= 1
            elif isinstance(child, tree.Plus):
                must.append(self.node(child.a, field))
            elif isinstance(node, tree.AndOperation) or (
                    isinstance(node, tree.UnknownOperation) and self.default_and and not symbolic_or):
                must.append(self.node(child, field))
            else:
                should.append(self.node(child, field))
        parts = list(must)
        if should and not must:
            parts.append("(" + " OR ".join(should) + ")")
        parts.extend(f"NOT {sql}" for sql in must_not)
        return "(" + " AND ".join(parts or ["TRUE"]) + ")"

    # leaves ------------------------------------------------------------------------------

    def word(self, field: str | None, raw: str) -> str:
        name = field or self.default_field
        if raw == "*":
            return self.exists(name)
        if has_wildcard(raw):
            return self.wildcard(name, raw)
        return self.term(field, unescape(raw), phrase=False)

    def term(self, field: str | None, value: str, phrase: bool) -> str:
        name = field or self.default_field
        self.fields_used.add(name)
        kind = field_type(name)
        if kind is FieldType.TEXT:
            return self.text_match(text_tsquery(name, value, phrase))
        if kind is FieldType.DATE:
            moment = self.date(value)
            if name in DATE_COLUMNS:
                return f"d.{name} = {self.bind(moment)}"
            return self.term_rows(name, [("value =", date_term(moment))])
        if name in STRING_COLUMNS:
            return f"d.{name} = {self.bind(value)}"
        if name == "permission_labels":
            return f"d.permission_labels @> ARRAY[{self.bind(value)}]::text[]"
        return self.term_rows(name, [("value =", value)])

    def wildcard(self, name: str, raw: str) -> str:
        self.fields_used.add(name)
        kind = field_type(name)
        if kind is FieldType.TEXT:
            stem = unescape(raw.rstrip("*"))
            if has_wildcard(raw.rstrip("*")) or not stem:
                raise ValueError(f"only trailing * wildcards are supported on text field {name}")
            return self.text_match(text_tsquery(name, stem, phrase=False, prefix_last=True))
        pattern = like_pattern(raw)
        if name in STRING_COLUMNS:
            return f"d.{name} LIKE {self.bind(pattern)}"
        if name == "permission_labels":
            return f"EXISTS (SELECT 1 FROM unnest(d.permission_labels) l WHERE l LIKE {self.bind(pattern)})"
        return self.term_rows(name, [("value LIKE", pattern)])

    def exists(self, name: str) -> str:
        if name == "*":
            return "TRUE"
        self.fields_used.add(name)
        if name in STRING_COLUMNS or name in DATE_COLUMNS:
            return f"d.{name} IS NOT NULL"
        if name == "permission_labels":
            return "cardinality(d.permission_labels) > 0"
        if field_type(name) is FieldType.TEXT:
            return f"jsonb_exists(d.doc, {self.bind(name)})"
        return self.term_rows(name, [])

    def range(self, field: str | None, node: tree.Range) -> str:
        name = field or self.default_field
        self.fields_used.add(name)
        bounds = []
        for item, inclusive, operator in ((node.low, node.include_low, ">"),
                                          (node.high, node.include_high, "<")):
            raw = item.value[1:-1] if isinstance(item, tree.Phrase) else item.value
            if raw == "*":
                continue
            bounds.append((unescape(raw), operator + ("=" if inclusive else "")))
        kind = field_type(name)
        if kind is FieldType.DATE:
            values = [(self.date(value), op) for value, op in bounds]
            if name in DATE_COLUMNS:
                return "(" + " AND ".join([f"d.{name} {op} {self.bind(v)}" for v, op in values]
                                          or [f"d.{name} IS NOT NULL"]) + ")"
            return self.term_rows(name, [(f"value {op}", date_term(v)) for v, op in values])
        if kind is FieldType.TEXT:
            column = f"(d.doc ->> {self.bind(name)})"
            return "(" + " AND ".join([f"{column} {op} {self.bind(v)}" for v, op in bounds]
                                      or [f"{column} IS NOT NULL"]) + ")"
        if name in STRING_COLUMNS:
            return "(" + " AND ".join([f"d.{name} {op} {self.bind(v)}" for v, op in bounds]
                                      or [f"d.{name} IS NOT NULL"]) + ")"
        return self.term_rows(name, [(f"value {op}", v) for v, op in bounds])

    # helpers -----------------------------------------------------------------------------

    def text_match(self, tsquery: str | None) -> str:
        if tsquery is None:
            return "FALSE"
        self.matches_text = True
        if not self._unranked:
            self.rank_queries.append(tsquery)
        return f"d.search_vector @@ CAST({self.bind(tsquery)} AS tsquery)"

    def term_rows(self, name: str, comparisons: list[tuple[str, Any]]) -> str:
        """Documents with a term of field `name` passing every (`value <op>`, operand)."""
        sql = f"t.field = {self.bind(name)}"
        for comparison, operand in comparisons:
            sql += f" AND t.{comparison} {self.bind(operand)}"
        return f"d.doc_key IN (SELECT t.doc_key FROM datong_search_term t WHERE {sql})"

    def date(self, value: str) -> datetime.datetime:
        return datemath.resolve(value, self.now)
