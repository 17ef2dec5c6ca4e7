"""Grants: who may download which files of an entry, for which items, territory and period.

Revision ID: 0003_grants
Revises: 0002_rank_vector
Create Date: 2026-11-29
"""
from alembic import op

revision = "0003_grants"
down_revision = "0002_rank_vector"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE datong_grant (
            id text PRIMARY KEY,
            package_id text NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            resource_id text REFERENCES resource (id) ON DELETE CASCADE,
            grantee_user_id text REFERENCES "user" (id) ON DELETE CASCADE,
            grantee_org_id text REFERENCES "group" (id) ON DELETE CASCADE,
            items jsonb,
            region_code text,
            valid_from timestamptz NOT NULL,
            valid_until timestamptz NOT NULL,
            state text NOT NULL DEFAULT 'active',
            created timestamptz NOT NULL DEFAULT now(),
            source text,
            CONSTRAINT datong_grant_one_grantee
                CHECK ((grantee_user_id IS NULL) <> (grantee_org_id IS NULL)),
            CONSTRAINT datong_grant_period CHECK (valid_until > valid_from),
            CONSTRAINT datong_grant_state CHECK (state IN ('active', 'revoked'))
        );
        CREATE INDEX ix_datong_grant_package_id ON datong_grant (package_id);
        CREATE INDEX datong_grant_user ON datong_grant (grantee_user_id)
            WHERE grantee_user_id IS NOT NULL;
        CREATE INDEX datong_grant_org ON datong_grant (grantee_org_id)
            WHERE grantee_org_id IS NOT NULL;
    """)


def downgrade():
    op.execute("DROP TABLE datong_grant;")
