"""Popularity: page views and downloads per entry, and the sort columns of the search index.

- datong_popularity_hit: one row per visitor, entry (and file), kind and Beijing day, so a
  visitor reloading a page or a file counts once a day;
- datong_popularity: the counts per entry (total, and within the recent window), written by
  `ckan datong popularity update` and indexed with the entry;
- datong_search_doc gets CKAN's integer sort fields views_total, views_recent,
  resources_accessed_total and resources_accessed_recent as columns, with sort indexes ending
  in doc_key like the others (0002), so "views_recent desc" reads only the page it shows.

Revision ID: 0007_popularity
Revises: 0006_opening
Create Date: 2026-12-03
"""
from alembic import op

revision = "0007_popularity"
down_revision = "0006_opening"
branch_labels = None
depends_on = None

SORT_COLUMNS = ("views_total", "views_recent", "resources_accessed_total", "resources_accessed_recent")


def upgrade():
    op.execute("""
        CREATE TABLE datong_popularity_hit (
            package_id text NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            kind text NOT NULL,
            day date NOT NULL,
            resource_id text NOT NULL DEFAULT '',
            visitor text NOT NULL,
            PRIMARY KEY (package_id, kind, day, resource_id, visitor),
            CONSTRAINT datong_popularity_hit_kind CHECK (kind IN ('view', 'download'))
        );
        CREATE TABLE datong_popularity (
            package_id text PRIMARY KEY REFERENCES package (id) ON DELETE CASCADE,
            views_total integer NOT NULL DEFAULT 0,
            views_recent integer NOT NULL DEFAULT 0,
            downloads_total integer NOT NULL DEFAULT 0,
            downloads_recent integer NOT NULL DEFAULT 0,
            counted timestamptz NOT NULL DEFAULT now()
        );
    """)
    for column in SORT_COLUMNS:
        op.execute(f"""
            ALTER TABLE datong_search_doc ADD COLUMN {column} integer NOT NULL DEFAULT 0;
            CREATE INDEX datong_search_doc_{column} ON datong_search_doc ({column}, doc_key);
        """)


def downgrade():
    for column in SORT_COLUMNS:
        op.execute(f"ALTER TABLE datong_search_doc DROP COLUMN {column};")
    op.execute("DROP TABLE datong_popularity; DROP TABLE datong_popularity_hit;")
