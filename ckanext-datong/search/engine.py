"""Answer the Solr select requests CKAN makes, from datong_search_doc and datong_search_term."""
from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Iterator, Mapping

import psycopg2
import pysolr

from ckanext.datong.search import cache, store, summary
from ckanext.datong.search.dismax import DismaxCompiler
from ckanext.datong.search.errors import bad_request, syntax_error
from ckanext.datong.search.fields import FieldType, field_type
from ckanext.datong.search.documents import INT_COLUMNS
from ckanext.datong.search.lucene import DATE_COLUMNS, STRING_COLUMNS, LuceneCompiler, tsquery_lexeme

# Rank weights for lexemes weighted D, C, B, A: CKAN boosts name/title 4 and tags/groups 2.
# Ranking reads rank_vector (those fields only), which stays small and inline, so ranking
# thousands of matches does not detoast every full search_vector.
_RANK_WEIGHTS = "'{0.1, 0.2, 0.5, 1.0}'"
# Solr does not return fields that schema.xml marks stored="false".
_NOT_STORED = {"text", "urls", "permission_labels", "title_string", "depends_on",
               "dependency_of", "derives_from", "has_derivation", "links_to", "linked_from",
               "child_of", "parent_of", "views_total", "views_recent",
               "resources_accessed_total", "resources_accessed_recent"}


@dataclasses.dataclass
class Results:
    """The parts of pysolr.Results that CKAN reads."""
    docs: list[dict[str, Any]]
    hits: int
    facets: dict[str, Any]

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.docs)


def _params(value: Any) -> list[Any]:
    """A request parameter given once or repeated, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _int(value: Any, key: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise bad_request(f"Invalid value '{value}' for parameter {key}") from error


@contextlib.contextmanager
def _scope(cur: Any, avoid_seqscan: bool) -> Iterator[None]:
    """The statements of one search in a savepoint, with enable_seqscan off when
    `avoid_seqscan` (matching text row by row detoasts every search_vector; the GIN index
    answers exactly, but the planner cannot see that cost and scans when most rows match).
    The session's settings come back however the block ends: on any exception the savepoint
    is rolled back, which also undoes set_config."""
    cur.execute("SAVEPOINT datong_search")
    restore = None
    if avoid_seqscan:
        cur.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        restore = cur.fetchone()[0]
    try:
        yield
    except BaseException:
        cur.execute("ROLLBACK TO SAVEPOINT datong_search")
        cur.execute("RELEASE SAVEPOINT datong_search")
        raise
    cur.execute("RELEASE SAVEPOINT datong_search")
    if restore is not None:
        cur.execute("SELECT set_config('enable_seqscan', %s, true)", (restore,))


class Search:
    """One select request: compile it, then fetch the count, the page of rows and the facets."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params
        query = str(params.get("q") or "*:*")
        if params.get("defType") != "dismax":  # Solr's default parser is the Lucene one
            compiler = LuceneCompiler(default_field=str(params.get("df") or "text"),
                                      default_and=str(params.get("q.op", "OR")).upper() == "AND")
        else:
            compiler = DismaxCompiler(qf=str(params.get("qf") or "text"),
                                      mm=str(params.get("mm") or "100%"))
        self.compiler = compiler
        conditions = [compiler.compile(query).sql]
        self.matches_text = compiler.matches_text
        # dismax writes its string-field conditions itself: fields_used does not know them
        self.fields_used = set(compiler.fields_used) | ({"*"} if isinstance(compiler, DismaxCompiler) else set())
        for fq in _params(params.get("fq")):
            fq = str(fq).strip()
            if fq.startswith("{!"):
                fq = fq[fq.index("}") + 1:] if "}" in fq else fq  # local params: tags for facets
            if fq:
                filter_compiler = LuceneCompiler(default_and=compiler.default_and,
                                                 params=compiler.params, ranked=False)
                conditions.append(filter_compiler.compile(fq).sql)
                self.matches_text = self.matches_text or filter_compiler.matches_text
                self.fields_used |= filter_compiler.fields_used
        self.where = " AND ".join(conditions)
        self.rank = self._rank_expression()
        self.title_cover = self._title_cover_expression()

    def _rank_expression(self) -> str:
        queries = self.compiler.rank_queries
        if not queries:
            return "1.0::real"
        tsquery = self.compiler.bind(" | ".join(f"({q})" for q in queries))
        return f"ts_rank({_RANK_WEIGHTS}, d.rank_vector, CAST({tsquery} AS tsquery))"

    def _title_cover_expression(self) -> str:
        """How much of an entry's title the query words cover, ranked before the score: 0
        unless the title (rank_vector's A lexemes) holds every word; else 1 / (2 × the title's
        length in characters, less 1 when the words follow one another in order: a word after
        the other, or both inside one longer word, 公交 线路 in 公交线路). So the shorter title
        comes first, and of two titles of one length the one with the words adjacent."""
        words = [tsquery_lexeme(word) + ":A" for word in self.compiler.title_words]
        if not words:
            return "0::real"
        every = self.compiler.bind(" & ".join(words))
        adjacent = "0"
        if len(words) > 1:
            phrase = self.compiler.bind(" & ".join(f"({a} <-> {b} | {a} <0> {b})"
                                                   for a, b in zip(words, words[1:])))
            adjacent = f"(d.rank_vector @@ CAST({phrase} AS tsquery))::int"
        return (f"(CASE WHEN d.rank_vector @@ CAST({every} AS tsquery) THEN 1.0 / "
                f"(2 * greatest(char_length(d.title_string), 1) - {adjacent}) ELSE 0 END)::real")

    def order_by(self) -> str:
        """ORDER BY for `sort`, with doc_key as the tie-breaker in the last key's direction, so
        the sort indexes (column, doc_key) serve a page without sorting every match."""
        parts, direction = [], "DESC"
        for item in str(self.params.get("sort") or "score desc").split(","):
            words = item.split()
            if not words:
                continue
            if len(words) != 2 or words[1].lower() not in ("asc", "desc"):
                raise pysolr.SolrError(f"Can't determine a Sort Order (asc or desc) in sort spec '{item.strip()}'")
            name, direction = words[0], words[1].upper()
            if name == "score":
                if self.compiler.title_words:
                    parts.append(f"title_cover {direction}")
                if self.compiler.rank_queries:  # otherwise every score is the same
                    parts.append(f"score {direction}")
            elif name in DATE_COLUMNS or name in INT_COLUMNS:  # always set (counts default to 0)
                parts.append(f"d.{name} {direction}")
            elif name in STRING_COLUMNS:
                parts.append(f"d.{name} {direction} NULLS LAST")  # Solr's sortMissingLast
            elif field_type(name) is FieldType.TEXT:
                raise bad_request(f"can not sort on a tokenized field: {name}")
            else:
                field = self.compiler.bind(name)
                parts.append(f"(SELECT min(t.value) FROM datong_search_term t WHERE t.doc_key = d.doc_key"
                             f" AND t.field = {field}) {direction} NULLS LAST")
        parts.append(f"d.doc_key {direction}")
        return ", ".join(parts)

    def facet_fields(self) -> list[str]:
        if str(self.params.get("facet", "false")).lower() != "true":
            return []
        return [str(f) for f in _params(self.params.get("facet.field"))]

    def run(self) -> Results:
        rows = _int(self.params.get("rows", 10), "rows")
        start = _int(self.params.get("start", 0), "start")
        if rows < 0 or start < 0:
            raise bad_request("rows and start must not be negative")
        fields = self.facet_fields()
        order = self.order_by()
        cur = store.cursor()
        with _scope(cur, avoid_seqscan=self.matches_text):
            try:
                hits, facets = self.counts(cur, fields)
                docs = []
                if rows and hits > start:
                    cur.execute(f"SELECT d.doc, {self.rank} AS score, {self.title_cover} AS title_cover "
                                f"FROM datong_search_doc d WHERE {self.where} "
                                f"ORDER BY {order} LIMIT {rows} OFFSET {start}",
                                self.compiler.params)
                    docs = [self.project(doc, score) for doc, score, _ in cur.fetchall()]
            except psycopg2.Error as error:
                raise syntax_error(str(self.params.get("q")), error.pgerror or str(error)) from error
        return Results(docs=docs, hits=hits, facets={"facet_fields": facets} if fields else {})

    def summarized(self, fields: list[str]) -> bool:
        """Whether the counts kept per visibility class (summary) answer this search: it
        filters on the class columns only, and every facet field is counted there."""
        return (not self.matches_text and self.fields_used <= set(summary.CLASS_COLUMNS)
                and set(fields) <= summary.FIELDS)

    def counts(self, cur: Any, fields: list[str]) -> tuple[int, dict[str, list[Any]]]:
        """The number of matches and the facet counts, from the cache when the index has not
        changed since they were computed (never while this transaction has its own writes)."""
        def compute() -> list[Any]:
            if self.summarized(fields):
                hits, counted = summary.counts(cur, self.where, self.compiler.params, fields)
                return [hits, self.facet_lists(counted)]
            cur.execute(f"SELECT count(*) FROM datong_search_doc d WHERE {self.where}", self.compiler.params)
            hits = cur.fetchone()[0]
            return [hits, self.count_facets(cur, fields) if fields and hits else {f: [] for f in fields}]

        if store.has_uncommitted_writes():
            hits, facets = compute()
        else:
            facet_params = {k: v for k, v in self.params.items() if k.startswith(("facet", "f."))}
            hits, facets = cache.cached([self.where, self.compiler.params, fields, facet_params], compute)
        return hits, facets

    def project(self, doc: dict[str, Any], score: float) -> dict[str, Any]:
        """The stored fields that `fl` asks for (all stored fields for `*`)."""
        wanted = str(self.params.get("fl") or "*").replace(",", " ").split()
        if "*" in wanted:
            out = {k: v for k, v in doc.items() if k not in _NOT_STORED}
        else:
            out = {k: doc[k] for k in wanted if k in doc and k not in _NOT_STORED}
        if "score" in wanted:
            out["score"] = float(score)
        return out

    def count_facets(self, cur: Any, fields: list[str]) -> dict[str, list[Any]]:
        """Solr's facet_fields, counted over the terms of every matching document."""
        names = self.compiler.bind(fields)
        cur.execute(
            f"""WITH matched AS MATERIALIZED (SELECT d.doc_key FROM datong_search_doc d WHERE {self.where})
                SELECT t.field, t.value, count(*) FROM datong_search_term t
                JOIN matched m ON m.doc_key = t.doc_key
                WHERE t.field = ANY({names}) GROUP BY t.field, t.value""",
            self.compiler.params)
        counted: dict[str, list[tuple[str, int]]] = {f: [] for f in fields}
        for field, value, count in cur.fetchall():
            counted[field].append((value, count))
        return self.facet_lists(counted)

    def facet_lists(self, counted: dict[str, list[tuple[str, int]]]) -> dict[str, list[Any]]:
        """Solr's facet_fields from the (value, count) pairs of each field: per field a flat
        [value, count, value, count …] list, after facet.mincount, facet.sort and facet.limit."""
        def per_field(key: str, field: str, default: Any) -> Any:
            return self.params.get(f"f.{field}.facet.{key}", self.params.get(f"facet.{key}", default))

        facets = {}
        for field, pairs in counted.items():
            limit = _int(per_field("limit", field, 100), "facet.limit")
            mincount = _int(per_field("mincount", field, 0), "facet.mincount")
            by_index = str(per_field("sort", field, "count")) == "index"
            pairs = [pair for pair in pairs if pair[1] >= mincount]
            pairs.sort(key=(lambda p: p[0]) if by_index else (lambda p: (-p[1], p[0])))
            if limit >= 0:
                pairs = pairs[:limit]
            facets[field] = [item for pair in pairs for item in pair]
        return facets
