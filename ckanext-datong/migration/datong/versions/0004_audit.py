"""The append-only audit log: sharing-request state changes and grant uses, chained by SM3
hashes (ckanext.datong.sharing.audit). No foreign keys: the log outlives what it mentions.

Listing indexes end in seq, so a page of the newest events of one entry, organization or
object reads only that page.

Revision ID: 0004_audit
Revises: 0003_grants
Create Date: 2026-12-03
"""
from alembic import op

revision = "0004_audit"
down_revision = "0003_grants"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE datong_audit_event (
            seq bigint PRIMARY KEY,
            occurred timestamptz NOT NULL,
            actor_user_id text,
            actor_name text NOT NULL DEFAULT '',
            action text NOT NULL,
            object_type text NOT NULL,
            object_id text NOT NULL,
            package_id text,
            provider_org_id text,
            requester_org_id text,
            row_count integer,
            detail jsonb NOT NULL DEFAULT '{}',
            prev_hash text NOT NULL,
            hash text NOT NULL,
            CONSTRAINT datong_audit_event_hash UNIQUE (hash),
            CONSTRAINT datong_audit_event_seq CHECK (seq > 0)
        );
        CREATE INDEX ix_datong_audit_event_package_id ON datong_audit_event (package_id, seq);
        CREATE INDEX ix_datong_audit_event_provider_org_id
            ON datong_audit_event (provider_org_id, seq);
        CREATE INDEX ix_datong_audit_event_requester_org_id
            ON datong_audit_event (requester_org_id, seq);
        CREATE INDEX ix_datong_audit_event_object_id ON datong_audit_event (object_id, seq);
        CREATE INDEX ix_datong_audit_event_occurred ON datong_audit_event (occurred);
    """)


def downgrade():
    op.execute("DROP TABLE datong_audit_event;")
