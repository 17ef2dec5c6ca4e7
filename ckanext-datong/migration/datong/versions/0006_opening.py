"""Conditional opening (有条件开放) through the sharing workflow: a request may come from a
citizen or a company (no organization), who states who they are and accepts the data-use
agreement.

Revision ID: 0006_opening
Revises: 0005_sharing
Create Date: 2026-12-03
"""
from alembic import op

revision = "0006_opening"
down_revision = "0005_sharing"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        ALTER TABLE datong_request
            ALTER COLUMN requester_org_id DROP NOT NULL,
            ADD COLUMN applicant jsonb NOT NULL DEFAULT '{}',
            ADD CONSTRAINT datong_request_kind CHECK (kind IN ('share', 'opening')),
            ADD CONSTRAINT datong_request_share_org
                CHECK (kind = 'opening' OR requester_org_id IS NOT NULL);
        CREATE INDEX datong_request_requester_user ON datong_request (requester_user_id);
    """)


def downgrade():
    op.execute("""
        DELETE FROM datong_request WHERE kind = 'opening';
        DROP INDEX datong_request_requester_user;
        ALTER TABLE datong_request
            DROP CONSTRAINT datong_request_share_org,
            DROP CONSTRAINT datong_request_kind,
            DROP COLUMN applicant,
            ALTER COLUMN requester_org_id SET NOT NULL;
    """)
