"""Facet counts per visibility class (ckanext.datong.search.summary): the counts the empty
query needs, kept at index time instead of counted over every document; filled here from
the documents already indexed, and emptied with the index.

Revision ID: 0010_search_facet_counts
Revises: 0009_use_cases
Create Date: 2026-12-03
"""
from alembic import op

revision = "0010_search_facet_counts"
down_revision = "0009_use_cases"
branch_labels = None
depends_on = None

CLASS = "site_id, entity_type, dataset_type, state, capacity, permission_labels"
FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "industry_domain",
          "datong_county", "update_frequency", "open_type", "share_type", "data_grade")


def upgrade():
    fields = ", ".join(f"'{field}'" for field in FIELDS)
    op.execute(f"""
        CREATE TABLE datong_search_facet (
            site_id text NOT NULL,
            entity_type text,
            dataset_type text,
            state text,
            capacity text,
            permission_labels text[] NOT NULL,
            field text NOT NULL,
            value text COLLATE "C" NOT NULL,
            n bigint NOT NULL,
            CONSTRAINT datong_search_facet_key UNIQUE NULLS NOT DISTINCT ({CLASS}, field, value)
        );
        INSERT INTO datong_search_facet ({CLASS}, field, value, n)
        SELECT d.site_id, d.entity_type, d.dataset_type, d.state, d.capacity, d.permission_labels,
               t.field, t.value, count(*)
        FROM datong_search_doc d JOIN datong_search_term t ON t.doc_key = d.doc_key
        WHERE t.field IN ({fields})
        GROUP BY d.site_id, d.entity_type, d.dataset_type, d.state, d.capacity, d.permission_labels,
                 t.field, t.value
        UNION ALL
        SELECT site_id, entity_type, dataset_type, state, capacity, permission_labels, '', '', count(*)
        FROM datong_search_doc
        GROUP BY site_id, entity_type, dataset_type, state, capacity, permission_labels;

        -- An emptied index (TRUNCATE bypasses the index writer) has no counts either.
        CREATE OR REPLACE FUNCTION datong_search_facet_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE datong_search_facet;
            RETURN NULL;
        END $$;
        CREATE TRIGGER datong_search_facet_truncate AFTER TRUNCATE ON datong_search_doc
            FOR EACH STATEMENT EXECUTE FUNCTION datong_search_facet_truncate();
    """)


def downgrade():
    op.execute("""
        DROP TRIGGER datong_search_facet_truncate ON datong_search_doc;
        DROP FUNCTION datong_search_facet_truncate();
        DROP TABLE datong_search_facet;
    """)
