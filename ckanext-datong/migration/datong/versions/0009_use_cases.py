"""Use cases (典型案例) for the plan's targets per industry domain: datong_use_case, kept by
the data authority, and datong_use_case_entry, the catalog entries a case uses.

Revision ID: 0009_use_cases
Revises: 0008_registration
Create Date: 2026-12-03
"""
from alembic import op

revision = "0009_use_cases"
down_revision = "0008_registration"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE datong_use_case (
            id text PRIMARY KEY,
            title text NOT NULL,
            summary text NOT NULL DEFAULT '',
            domain text NOT NULL,
            organization_id text REFERENCES "group" (id) ON DELETE SET NULL,
            link_url text NOT NULL DEFAULT '',
            published date,
            state text NOT NULL DEFAULT 'active',
            creator_user_id text REFERENCES "user" (id) ON DELETE SET NULL,
            created timestamptz NOT NULL DEFAULT now(),
            modified timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT datong_use_case_title_unique UNIQUE (title),
            CONSTRAINT datong_use_case_state CHECK (state IN ('active', 'deleted'))
        );
        CREATE INDEX datong_use_case_domain ON datong_use_case (domain) WHERE state = 'active';
        CREATE TABLE datong_use_case_entry (
            use_case_id text NOT NULL REFERENCES datong_use_case (id) ON DELETE CASCADE,
            package_id text NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            position integer NOT NULL,
            PRIMARY KEY (use_case_id, package_id)
        );
        CREATE INDEX datong_use_case_entry_package ON datong_use_case_entry (package_id);
    """)


def downgrade():
    op.execute("DROP TABLE datong_use_case_entry; DROP TABLE datong_use_case;")
