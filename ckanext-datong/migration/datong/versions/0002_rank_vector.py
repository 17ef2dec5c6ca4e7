"""Ranking and ordering support for the embedded index.

- rank_vector: a small tsvector of the boosted fields (name, title, tags, groups), stored
  plain in the row so that ranking thousands of matches neither detoasts every
  search_vector nor decompresses anything;
- toast_tuple_target: moves the large columns (doc, search_vector) out of line, so a scan
  over all rows (counting, filtering) reads narrow rows; the small filter columns are kept
  plain in the row (out of line, the permission check of every anonymous search read
  another buffer per row);
- the term table's per-document index also holds field and value, so joining matches to
  their facet values reads the index only;
- sort indexes ending in doc_key, the tie-breaker, so a page of an ordered result reads
  only that page;
- no index on permission_labels: nearly every document carries "public", so that index never
  narrows a search, but the planner took it over the text index and then matched text by
  detoasting every row.

Revision ID: 0002_rank_vector
Revises: 0001_search_index
Create Date: 2026-11-29
"""
from alembic import op

revision = "0002_rank_vector"
down_revision = "0001_search_index"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows rank 0 until `ckan datong search rebuild` (or any reindex) fills it.
    op.execute("""
        ALTER TABLE datong_search_doc ADD COLUMN rank_vector tsvector NOT NULL DEFAULT '';
        ALTER TABLE datong_search_doc ALTER COLUMN rank_vector SET STORAGE PLAIN;
        ALTER TABLE datong_search_doc SET (toast_tuple_target = 512);
        ALTER TABLE datong_search_doc
            ALTER COLUMN permission_labels SET STORAGE PLAIN,
            ALTER COLUMN title_string SET STORAGE PLAIN,
            ALTER COLUMN name SET STORAGE PLAIN;
        DROP INDEX datong_search_term_doc;
        CREATE INDEX datong_search_term_doc ON datong_search_term (doc_key, field, value);
        DROP INDEX datong_search_doc_labels;
        DROP INDEX datong_search_doc_modified;
        DROP INDEX datong_search_doc_title;
        CREATE INDEX datong_search_doc_modified ON datong_search_doc (metadata_modified, doc_key);
        CREATE INDEX datong_search_doc_created ON datong_search_doc (metadata_created, doc_key);
        CREATE INDEX datong_search_doc_title ON datong_search_doc (title_string, doc_key);
        CREATE INDEX datong_search_doc_name_key ON datong_search_doc (name, doc_key);
    """)


def downgrade():
    op.execute("""
        DROP INDEX datong_search_doc_modified, datong_search_doc_created, datong_search_doc_title,
                   datong_search_doc_name_key;
        CREATE INDEX datong_search_doc_modified ON datong_search_doc (metadata_modified);
        CREATE INDEX datong_search_doc_title ON datong_search_doc (title_string);
        DROP INDEX datong_search_term_doc;
        CREATE INDEX datong_search_term_doc ON datong_search_term (doc_key);
        ALTER TABLE datong_search_doc
            ALTER COLUMN permission_labels SET STORAGE EXTENDED,
            ALTER COLUMN title_string SET STORAGE EXTENDED,
            ALTER COLUMN name SET STORAGE EXTENDED;
        ALTER TABLE datong_search_doc RESET (toast_tuple_target);
        CREATE INDEX datong_search_doc_labels ON datong_search_doc USING gin (permission_labels);
        ALTER TABLE datong_search_doc DROP COLUMN rank_vector;
    """)
