"""Embedded search index: one row per indexed document, one row per exact term.

Revision ID: 0001_search_index
Revises:
Create Date: 2026-11-29
"""
from alembic import op

revision = "0001_search_index"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE datong_search_doc (
            doc_key bigserial PRIMARY KEY,
            index_id text NOT NULL UNIQUE,
            id text NOT NULL,
            name text,
            site_id text NOT NULL,
            entity_type text,
            dataset_type text,
            state text,
            capacity text,
            permission_labels text[] NOT NULL DEFAULT '{}',
            metadata_created timestamptz,
            metadata_modified timestamptz,
            title_string text COLLATE "C",
            search_vector tsvector NOT NULL,
            doc jsonb NOT NULL
        );
        CREATE INDEX datong_search_doc_id ON datong_search_doc (id);
        CREATE INDEX datong_search_doc_name ON datong_search_doc (name);
        CREATE INDEX datong_search_doc_modified ON datong_search_doc (metadata_modified);
        CREATE INDEX datong_search_doc_title ON datong_search_doc (title_string);
        CREATE INDEX datong_search_doc_vector ON datong_search_doc USING gin (search_vector);
        CREATE INDEX datong_search_doc_labels ON datong_search_doc USING gin (permission_labels);

        -- Exact values of string and date fields: filters (field:value, ranges,
        -- wildcards) and facet counts read this table through its primary key.
        CREATE TABLE datong_search_term (
            field text NOT NULL,
            value text COLLATE "C" NOT NULL,
            doc_key bigint NOT NULL REFERENCES datong_search_doc (doc_key) ON DELETE CASCADE,
            PRIMARY KEY (field, value, doc_key)
        );
        CREATE INDEX datong_search_term_doc ON datong_search_term (doc_key);
    """)


def downgrade():
    op.execute("DROP TABLE datong_search_term; DROP TABLE datong_search_doc;")
